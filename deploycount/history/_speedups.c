/* The compiled twin of deploycount.history.columns.PyHistory: the same interface, the same answers.
 *
 * It reads the bytes of `git log -z` into flat arrays (binary shas, trees, times, identity and
 * person ids, parent shas), hands back only the commits whose message may carry a marker, and
 * runs the loops that touch every commit: the walk from each deploy, the merge and empty checks,
 * the grouping into (attribution, author) pairs and the tallies. Portable C99 and the stable
 * parts of the CPython API; nothing here is POSIX-only, so it builds with MSVC too.
 *
 * Any change here is a change to columns.py too: tests/test_columns.py runs both on the same
 * histories and requires identical reports.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Read from deploycount.history.columns when the module is imported: that module is their only
 * definition (the states, the field counts, the range of committer times). */
static int STATE_COUNTED, STATE_REVERTED, STATE_EXCLUDED, STATE_ASK_PARENT;
static int FIELDS, FIELDS_WITH_NOTES;
static int64_t TIME_MIN, TIME_MAX;

static PyObject *array_type = NULL; /* array.array */
static uint64_t sip_key[2];          /* a random key per process: see sha_hash */

/* -- growable buffers ------------------------------------------------------------------------ */

typedef struct {
    char *data;
    Py_ssize_t size, capacity;
} Buffer;

static int buffer_reserve(Buffer *b, Py_ssize_t more) {
    if (b->size + more <= b->capacity) return 0;
#ifdef DEPLOYCOUNT_EXACT_BUFFERS
    /* The sanitizer build (tests/test_sanitizers.py): no slack, so AddressSanitizer sees any
     * read or write past what a buffer holds. */
    Py_ssize_t capacity = b->size + more;
#else
    Py_ssize_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < b->size + more) capacity *= 2;
#endif
    char *data = PyMem_Realloc(b->data, (size_t)capacity);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->capacity = capacity;
    return 0;
}

static int buffer_append(Buffer *b, const void *data, Py_ssize_t size) {
    if (size == 0) return 0; /* b->data may still be NULL: no memcpy from or to it */
    if (buffer_reserve(b, size) < 0) return -1;
    memcpy(b->data + b->size, data, (size_t)size);
    b->size += size;
    return 0;
}

static void buffer_free(Buffer *b) {
    PyMem_Free(b->data);
    b->data = NULL;
    b->size = b->capacity = 0;
}

#define INT32_AT(buffer, i) (((int32_t *)(buffer).data)[i])

/* -- text helpers ------------------------------------------------------------------------------ */

static int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode `length` hex digits into out; -1 when one is not a hex digit or the length is odd. */
static int unhex(const char *text, Py_ssize_t length, unsigned char *out) {
    if (length % 2) return -1;
    for (Py_ssize_t i = 0; i < length; i += 2) {
        int high = hex_value((unsigned char)text[i]), low = hex_value((unsigned char)text[i + 1]);
        if (high < 0 || low < 0) return -1;
        out[i / 2] = (unsigned char)(high * 16 + low);
    }
    return 0;
}

static const char *find_bytes(const char *hay, Py_ssize_t size, const char *needle,
                              Py_ssize_t length) {
    if (length == 0) return hay;
    const char *end = hay + size;
    while (size >= length) {
        const char *first = memchr(hay, needle[0], (size_t)(size - length + 1));
        if (first == NULL) return NULL;
        if (memcmp(first, needle, (size_t)length) == 0) return first;
        hay = first + 1;
        size = end - hay;
    }
    return NULL;
}

static unsigned char ascii_lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* -- the object -------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    int fields;
    int every; /* every message is handed back, not only those that may carry a marker */
    PyObject *needles; /* tuple of lower-cased bytes */
    int wide_needles;
    /* For one pass over a message (at most 62 needles): the first needle that starts with a
     * byte and the next one that starts with the same byte (-1 ends), whether a needle of one
     * byte starts with it, and a bit per pair of bytes some longer needle starts with. */
    int8_t first_needle[256], next_needle[64];
    uint8_t single_byte[256];
    uint8_t pairs[65536 / 8];
    Buffer pending;
    Buffer lowered; /* scratch: the message lower-cased */
    Buffer key;     /* scratch: an identity key */
    int width;
    Py_ssize_t count;
    Buffer shas, trees, times, idents, people, attrs, parent_start, parent_shas, parent_rows;
    uint32_t *table; /* row + 1 by sha, open addressing; 0 = empty */
    size_t table_mask;
    Py_ssize_t table_rows;
    PyObject *ident_ids, *ident_keys, *person_ids, *person_keys;
    int resolved;
    int ready; /* __init__ ran (an object from History.__new__ alone is refused everywhere) */
} HistoryObject;

static int check_ready(HistoryObject *self) {
    if (!self->ready) {
        PyErr_SetString(PyExc_ValueError, "History.__init__ was not called");
        return -1;
    }
    return 0;
}

static void History_dealloc(HistoryObject *self) {
    Py_XDECREF(self->needles);
    buffer_free(&self->pending);
    buffer_free(&self->lowered);
    buffer_free(&self->key);
    buffer_free(&self->shas);
    buffer_free(&self->trees);
    buffer_free(&self->times);
    buffer_free(&self->idents);
    buffer_free(&self->people);
    buffer_free(&self->attrs);
    buffer_free(&self->parent_start);
    buffer_free(&self->parent_shas);
    buffer_free(&self->parent_rows);
    PyMem_Free(self->table);
    Py_XDECREF(self->ident_ids);
    Py_XDECREF(self->ident_keys);
    Py_XDECREF(self->person_ids);
    Py_XDECREF(self->person_keys);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int History_init(HistoryObject *self, PyObject *args, PyObject *kwargs) {
    int fields;
    int every = 0;
    PyObject *needles;
    static char *keywords[] = {"fields", "needles", "every", NULL};
    if (self->ready) {
        PyErr_SetString(PyExc_TypeError, "a History is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "iO|$p", keywords, &fields, &needles, &every))
        return -1;
    /* A failed __init__ may be followed by another: nothing it set may carry over. */
    self->wide_needles = 0;
    if (fields != FIELDS && fields != FIELDS_WITH_NOTES) {
        PyErr_Format(PyExc_ValueError, "fields must be %d or %d", FIELDS, FIELDS_WITH_NOTES);
        return -1;
    }
    PyObject *sequence = PySequence_Fast(needles, "needles must be a sequence of bytes");
    if (sequence == NULL) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(sequence);
    PyObject *kept = PyList_New(0);
    if (kept == NULL) goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(sequence, i);
        if (!PyBytes_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "needles must be bytes");
            goto fail;
        }
        Py_ssize_t length = PyBytes_GET_SIZE(item);
        if (length == 0) continue;
        PyObject *lower = PyBytes_FromStringAndSize(NULL, length);
        if (lower == NULL) goto fail;
        const unsigned char *from = (const unsigned char *)PyBytes_AS_STRING(item);
        char *to = PyBytes_AS_STRING(lower);
        for (Py_ssize_t k = 0; k < length; k++) {
            to[k] = (char)ascii_lower(from[k]);
            if (from[k] >= 0x80) self->wide_needles = 1;
        }
        int failed = PyList_Append(kept, lower);
        Py_DECREF(lower);
        if (failed) goto fail;
    }
    Py_DECREF(sequence);
    Py_XSETREF(self->needles, PyList_AsTuple(kept));
    Py_DECREF(kept);
    if (self->needles == NULL) return -1;
    memset(self->first_needle, -1, sizeof self->first_needle);
    memset(self->single_byte, 0, sizeof self->single_byte);
    memset(self->pairs, 0, sizeof self->pairs);
    Py_ssize_t count = PyTuple_GET_SIZE(self->needles);
    for (Py_ssize_t k = count <= 62 ? count - 1 : -1; k >= 0; k--) {
        PyObject *needle = PyTuple_GET_ITEM(self->needles, k);
        const unsigned char *text = (const unsigned char *)PyBytes_AS_STRING(needle);
        self->next_needle[k] = self->first_needle[text[0]];
        self->first_needle[text[0]] = (int8_t)k;
        if (PyBytes_GET_SIZE(needle) == 1) {
            self->single_byte[text[0]] = 1;
        } else {
            unsigned pair = text[0] | (unsigned)text[1] << 8;
            self->pairs[pair >> 3] |= (uint8_t)(1u << (pair & 7));
        }
    }
    self->fields = fields;
    self->every = every;
    Py_XSETREF(self->ident_ids, PyDict_New());
    Py_XSETREF(self->ident_keys, PyList_New(0));
    Py_XSETREF(self->person_ids, PyDict_New());
    Py_XSETREF(self->person_keys, PyList_New(0));
    if (!self->ident_ids || !self->ident_keys || !self->person_ids || !self->person_keys)
        return -1;
    int32_t zero = 0;
    self->parent_start.size = 0;
    if (buffer_append(&self->parent_start, &zero, sizeof zero) < 0) return -1;
    self->ready = 1;
    return 0;
fail:
    Py_DECREF(sequence);
    Py_XDECREF(kept);
    return -1;
}

/* -- reading the stream ------------------------------------------------------------------------ */

/* Which needles the lower-cased message holds, as bits (needle k is bit k); -1 when that cannot
 * be told from ASCII case alone (a character whose lower case is ASCII, or a needle that is not
 * ASCII in a message that is not), or when there are more than 62 needles. */
static long long needle_bits(HistoryObject *self, const unsigned char *lowered, Py_ssize_t length,
                             int wide) {
    Py_ssize_t count = PyTuple_GET_SIZE(self->needles);
    if (count > 62) return -1;
    if (wide && (self->wide_needles || find_bytes((const char *)lowered, length, "\xc4\xb0", 2) ||
                 find_bytes((const char *)lowered, length, "\xe2\x84\xaa", 3)))
        return -1;
    long long bits = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned char c = lowered[i];
        int k = self->first_needle[c];
        if (k < 0) continue;
        if (!self->single_byte[c]) {
            if (i + 1 == length) break;
            unsigned pair = c | (unsigned)lowered[i + 1] << 8;
            if (!(self->pairs[pair >> 3] >> (pair & 7) & 1)) continue;
        }
        for (; k >= 0; k = self->next_needle[k]) {
            if (bits >> k & 1) continue;
            PyObject *needle = PyTuple_GET_ITEM(self->needles, k);
            Py_ssize_t size = PyBytes_GET_SIZE(needle);
            if (size <= length - i && memcmp(lowered + i, PyBytes_AS_STRING(needle), (size_t)size) == 0)
                bits |= 1LL << k;
        }
    }
    return bits;
}

/* 1 when attribution can find more than the identities in the message (see
 * PyHistory.is_candidate), 0 when not, -1 on error; `*bits` gets `needle_bits`. */
static int is_candidate(HistoryObject *self, const char *message, Py_ssize_t length,
                        Py_ssize_t notes_length, long long *bits) {
    if (buffer_reserve(&self->lowered, length + 1) < 0) return -1;
    unsigned char *lowered = (unsigned char *)self->lowered.data;
    int wide = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)message[i];
        lowered[i] = ascii_lower(c);
        wide |= c >= 0x80;
    }
    *bits = needle_bits(self, lowered, length, wide);
    if (self->every || notes_length) return 1;
    const char *newline = memchr(message, '\n', (size_t)length);
    if (newline != NULL && memchr(newline, ':', (size_t)(length - (newline - message)))) return 1;
    if (find_bytes(message, length, "This reverts commit", 19)) return 1;
    if (length >= 7 && memcmp(lowered, "aider: ", 7) == 0) return 1;
    if (*bits != 0) return 1; /* a needle, or not known: attribution decides */
    return 0;
}

/* The id of `key` in `ids`, adding it (and appending it to `keys`) when new; -1 on error. */
static int32_t intern_key(PyObject *ids, PyObject *keys, const char *data, Py_ssize_t size) {
    PyObject *key = PyBytes_FromStringAndSize(data, size);
    if (key == NULL) return -1;
    PyObject *found = PyDict_GetItemWithError(ids, key);
    if (found != NULL) {
        Py_DECREF(key);
        return (int32_t)PyLong_AsLong(found);
    }
    if (PyErr_Occurred()) goto fail;
    PyObject *number = PyLong_FromSsize_t(PyList_GET_SIZE(keys));
    if (number == NULL) goto fail;
    int32_t id = (int32_t)PyList_GET_SIZE(keys);
    int failed = PyDict_SetItem(ids, key, number) || PyList_Append(keys, key);
    Py_DECREF(number);
    Py_DECREF(key);
    return failed ? -1 : id;
fail:
    Py_DECREF(key);
    return -1;
}

static int bad_stream(const char *what) {
    PyErr_Format(PyExc_ValueError, "git printed %s", what);
    return -1;
}

/* A committer time by the rule of columns.parse_time: optional '-', decimal digits (leading
 * zeros are fine), taken as the nearest end of [TIME_MIN, TIME_MAX] when outside it; empty is 0.
 * -1 when it is not a number. */
static int parse_time(const char *text, Py_ssize_t size, int64_t *when) {
    const char *digit = text, *end = text + size;
    int negative = 0;
    if (size == 0) {
        *when = 0;
        return 0;
    }
    if (*digit == '-') {
        negative = 1;
        digit++;
    }
    if (digit == end) return -1;
    int64_t value = 0, limit = negative ? -TIME_MIN : TIME_MAX;
    for (; digit < end; digit++) {
        if (*digit < '0' || *digit > '9') return -1;
        if (value <= limit) value = value * 10 + (*digit - '0'); /* stays far below INT64_MAX */
    }
    if (value > limit) value = limit;
    *when = negative ? -value : value;
    return 0;
}

/* The sizes of every per-row buffer, to put back when a commit turns out bad half-way. */
typedef struct {
    Py_ssize_t shas, parent_shas, parent_start, trees, idents, people, times, attrs;
} Marks;

static Marks marks_of(HistoryObject *self) {
    Marks m = {self->shas.size,   self->parent_shas.size, self->parent_start.size,
               self->trees.size,  self->idents.size,      self->people.size,
               self->times.size,  self->attrs.size};
    return m;
}

static void roll_back(HistoryObject *self, const Marks *m) {
    self->shas.size = m->shas;
    self->parent_shas.size = m->parent_shas;
    self->parent_start.size = m->parent_start;
    self->trees.size = m->trees;
    self->idents.size = m->idents;
    self->people.size = m->people;
    self->times.size = m->times;
    self->attrs.size = m->attrs;
}

/* One commit: `field[k]` starts each field, `size[k]` is its length. On failure nothing of it
 * is kept (the row's arrays stay as long as each other). */
static int append_commit(HistoryObject *self, const char **field, const Py_ssize_t *size);

static int take_commit(HistoryObject *self, const char **field, const Py_ssize_t *size,
                       PyObject *candidates) {
    Marks before = marks_of(self);
    int width_before = self->width;
    if (append_commit(self, field, size) < 0) {
        roll_back(self, &before);
        self->width = width_before;
        return -1;
    }
    Py_ssize_t row = self->count++;
    int last = self->fields - 1;
    int with_notes = self->fields == FIELDS_WITH_NOTES;
    Py_ssize_t notes_size = with_notes ? size[last - 1] : 0;
    long long bits = 0;
    int candidate = is_candidate(self, field[last], size[last], notes_size, &bits);
    if (candidate <= 0) return candidate;
    PyObject *item = Py_BuildValue("(ny#y#L)", row, field[last], size[last],
                                   with_notes ? field[last - 1] : "", notes_size, bits);
    if (item == NULL) return -1;
    int failed = PyList_Append(candidates, item);
    Py_DECREF(item);
    return failed;
}

static int append_commit(HistoryObject *self, const char **field, const Py_ssize_t *size) {
    unsigned char binary[32];
    int width = (int)(size[0] / 2);
    if ((size[0] != 40 && size[0] != 64) || (self->width && width != self->width))
        return bad_stream("a sha of another length");
    if (unhex(field[0], size[0], binary) < 0) return bad_stream("a sha that is not hex");
    int64_t when;
    if (parse_time(field[9], size[9], &when) < 0) return bad_stream("a time that is not a number");
    self->width = width;
    if (buffer_append(&self->shas, binary, width) < 0) return -1;
    /* parents: shas separated by spaces */
    const char *at = field[1], *end = field[1] + size[1];
    while (at < end) {
        while (at < end && *at == ' ') at++;
        const char *stop = at;
        while (stop < end && *stop != ' ') stop++;
        if (stop > at) {
            if (stop - at != 2 * width || unhex(at, stop - at, binary) < 0)
                return bad_stream("a parent that is not a sha");
            if (buffer_append(&self->parent_shas, binary, width) < 0) return -1;
        }
        at = stop;
    }
    int32_t parents = (int32_t)(self->parent_shas.size / width);
    if (buffer_append(&self->parent_start, &parents, sizeof parents) < 0) return -1;
    if (size[2] != 2 * width || unhex(field[2], size[2], binary) < 0)
        return bad_stream("a tree that is not a sha");
    if (buffer_append(&self->trees, binary, width) < 0) return -1;
    /* author name, email, committer name, email */
    self->key.size = 0;
    const int parts[4] = {3, 4, 7, 8};
    for (int k = 0; k < 4; k++) {
        if (k && buffer_append(&self->key, "", 1) < 0) return -1;
        if (buffer_append(&self->key, field[parts[k]], size[parts[k]]) < 0) return -1;
    }
    int32_t ident = intern_key(self->ident_ids, self->ident_keys, self->key.data, self->key.size);
    if (ident < 0) return -1;
    self->key.size = 0;
    if (buffer_append(&self->key, field[5], size[5]) < 0 || buffer_append(&self->key, "", 1) < 0 ||
        buffer_append(&self->key, field[6], size[6]) < 0)
        return -1;
    int32_t person = intern_key(self->person_ids, self->person_keys, self->key.data,
                                self->key.size);
    if (person < 0) return -1;
    int32_t unset = -1;
    if (buffer_append(&self->idents, &ident, sizeof ident) < 0 ||
        buffer_append(&self->people, &person, sizeof person) < 0 ||
        buffer_append(&self->times, &when, sizeof when) < 0 ||
        buffer_append(&self->attrs, &unset, sizeof unset) < 0)
        return -1;
    return 0;
}

/* Take every whole commit at the front of the pending bytes; keep the rest. With `final`, the
 * rest must be one whole commit without its closing NUL (or nothing). */
static PyObject *take_pending(HistoryObject *self, int final) {
    PyObject *candidates = PyList_New(0);
    if (candidates == NULL) return NULL;
    const char *field[12];
    Py_ssize_t size[12];
    const char *at = self->pending.data, *end = self->pending.data + self->pending.size;
    while (at < end) {
        const char *cursor = at;
        int k = 0;
        for (; k < self->fields; k++) {
            const char *nul = memchr(cursor, '\0', (size_t)(end - cursor));
            if (nul == NULL) {
                if (final && k == self->fields - 1) {
                    field[k] = cursor;
                    size[k] = end - cursor;
                    cursor = end;
                    k++;
                }
                break;
            }
            field[k] = cursor;
            size[k] = nul - cursor;
            cursor = nul + 1;
        }
        if (k < self->fields) {
            if (final) {
                PyErr_Format(PyExc_ValueError, "the log ended inside a commit (%d fields)", k + 1);
                goto fail;
            }
            break;
        }
        if (take_commit(self, field, size, candidates) < 0) goto fail;
        at = cursor;
    }
    Py_ssize_t rest = end - at;
    if (rest && at != self->pending.data) memmove(self->pending.data, at, (size_t)rest);
    self->pending.size = rest;
    return candidates;
fail:
    self->pending.size = 0; /* the stream is broken: what came after the bad commit is dropped */
    Py_DECREF(candidates);
    return NULL;
}

static PyObject *History_feed(HistoryObject *self, PyObject *chunk) {
    if (check_ready(self) < 0) return NULL;
    Py_buffer view;
    if (self->resolved) {
        PyErr_SetString(PyExc_ValueError, "the history was resolved: it takes no more commits");
        return NULL;
    }
    if (PyObject_GetBuffer(chunk, &view, PyBUF_SIMPLE) < 0) return NULL;
    int failed = buffer_append(&self->pending, view.buf, view.len);
    PyBuffer_Release(&view);
    if (failed) return NULL;
    return take_pending(self, 0);
}

static PyObject *History_finish(HistoryObject *self, PyObject *unused) {
    if (check_ready(self) < 0) return NULL;
    if (self->pending.size == 0) return PyList_New(0);
    if (self->resolved) {
        PyErr_SetString(PyExc_ValueError, "the history was resolved: it takes no more commits");
        return NULL;
    }
    return take_pending(self, 1);
}

/* -- rows -------------------------------------------------------------------------------------- */

static int check_row(HistoryObject *self, Py_ssize_t row) {
    if (row < 0 || row >= self->count) {
        PyErr_SetString(PyExc_IndexError, "no such row");
        return -1;
    }
    return 0;
}

static PyObject *hex_of(const unsigned char *binary, int width) {
    static const char digits[] = "0123456789abcdef";
    char text[64];
    for (int i = 0; i < width; i++) {
        text[2 * i] = digits[binary[i] >> 4];
        text[2 * i + 1] = digits[binary[i] & 15];
    }
    return PyUnicode_FromStringAndSize(text, 2 * width);
}

static Py_ssize_t History_len(HistoryObject *self) { return self->count; }

static PyObject *History_sha(HistoryObject *self, PyObject *arg) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t row = PyLong_AsSsize_t(arg);
    if ((row == -1 && PyErr_Occurred()) || check_row(self, row) < 0) return NULL;
    return hex_of((unsigned char *)self->shas.data + row * self->width, self->width);
}

static PyObject *History_tree(HistoryObject *self, PyObject *arg) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t row = PyLong_AsSsize_t(arg);
    if ((row == -1 && PyErr_Occurred()) || check_row(self, row) < 0) return NULL;
    return hex_of((unsigned char *)self->trees.data + row * self->width, self->width);
}

static PyObject *History_time(HistoryObject *self, PyObject *arg) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t row = PyLong_AsSsize_t(arg);
    if ((row == -1 && PyErr_Occurred()) || check_row(self, row) < 0) return NULL;
    return PyLong_FromLongLong(((int64_t *)self->times.data)[row]);
}

static PyObject *History_ident(HistoryObject *self, PyObject *arg) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t row = PyLong_AsSsize_t(arg);
    if ((row == -1 && PyErr_Occurred()) || check_row(self, row) < 0) return NULL;
    return PyLong_FromLong(INT32_AT(self->idents, row));
}

static PyObject *History_person(HistoryObject *self, PyObject *arg) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t row = PyLong_AsSsize_t(arg);
    if ((row == -1 && PyErr_Occurred()) || check_row(self, row) < 0) return NULL;
    return PyLong_FromLong(INT32_AT(self->people, row));
}

static PyObject *History_set_attr(HistoryObject *self, PyObject *args) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t row;
    int attr;
    if (!PyArg_ParseTuple(args, "ni", &row, &attr) || check_row(self, row) < 0) return NULL;
    INT32_AT(self->attrs, row) = attr;
    Py_RETURN_NONE;
}

/* -- the sha table ----------------------------------------------------------------------------- */

/* SipHash-1-3 (the hash CPython gives str and bytes) of the whole id, keyed at random per
 * process: ids come from outside (a history can be built with `git hash-object --literally`),
 * and a table hashed on a known part of them can be filled with ids that all land in one slot,
 * which makes every lookup a scan. */
#define ROTATE(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND                                                                               \
    do {                                                                                        \
        v0 += v1; v1 = ROTATE(v1, 13); v1 ^= v0; v0 = ROTATE(v0, 32);                            \
        v2 += v3; v3 = ROTATE(v3, 16); v3 ^= v2;                                                 \
        v0 += v3; v3 = ROTATE(v3, 21); v3 ^= v0;                                                 \
        v2 += v1; v1 = ROTATE(v1, 17); v1 ^= v2; v2 = ROTATE(v2, 32);                            \
    } while (0)

static uint64_t load64(const unsigned char *p) {
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--) value = value << 8 | p[i];
    return value;
}

static uint64_t siphash13(const unsigned char *data, size_t length) {
    uint64_t v0 = sip_key[0] ^ 0x736f6d6570736575ULL, v1 = sip_key[1] ^ 0x646f72616e646f6dULL;
    uint64_t v2 = sip_key[0] ^ 0x6c7967656e657261ULL, v3 = sip_key[1] ^ 0x7465646279746573ULL;
    size_t whole = length / 8 * 8;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = load64(data + i);
        v3 ^= m;
        SIP_ROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)length << 56;
    for (size_t i = whole; i < length; i++) last |= (uint64_t)data[i] << (8 * (i - whole));
    v3 ^= last;
    SIP_ROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIP_ROUND;
    SIP_ROUND;
    SIP_ROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static size_t sha_hash(HistoryObject *self, const unsigned char *sha) {
    return (size_t)siphash13(sha, (size_t)self->width);
}

/* Build the table for every row fed so far (the last of equal shas wins, as in a dict). */
static int ensure_table(HistoryObject *self) {
    if (self->table != NULL && self->table_rows == self->count) return 0;
    size_t size = 1024;
    while (size < (size_t)self->count * 2 + 1) size *= 2;
    uint32_t *table = PyMem_Calloc(size, sizeof(uint32_t));
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->table);
    self->table = table;
    self->table_mask = size - 1;
    self->table_rows = self->count;
    const unsigned char *shas = (const unsigned char *)self->shas.data;
    for (Py_ssize_t row = 0; row < self->count; row++) {
        const unsigned char *sha = shas + row * self->width;
        size_t slot = sha_hash(self, sha) & self->table_mask;
        while (table[slot] && memcmp(shas + (table[slot] - 1) * (size_t)self->width, sha,
                                     (size_t)self->width) != 0)
            slot = (slot + 1) & self->table_mask;
        table[slot] = (uint32_t)(row + 1);
    }
    return 0;
}

static Py_ssize_t lookup(HistoryObject *self, const unsigned char *sha) {
    size_t slot = sha_hash(self, sha) & self->table_mask;
    const unsigned char *shas = (const unsigned char *)self->shas.data;
    while (self->table[slot]) {
        Py_ssize_t row = (Py_ssize_t)self->table[slot] - 1;
        if (memcmp(shas + row * self->width, sha, (size_t)self->width) == 0) return row;
        slot = (slot + 1) & self->table_mask;
    }
    return -1;
}

static PyObject *History_index(HistoryObject *self, PyObject *arg) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t length;
    const char *text = PyUnicode_AsUTF8AndSize(arg, &length);
    unsigned char binary[32];
    if (text == NULL) return NULL;
    if (self->width == 0 || length != 2 * self->width || unhex(text, length, binary) < 0)
        return PyLong_FromLong(-1);
    if (ensure_table(self) < 0) return NULL;
    return PyLong_FromSsize_t(lookup(self, binary));
}

static PyObject *History_resolve(HistoryObject *self, PyObject *unused) {
    if (check_ready(self) < 0) return NULL;
    if (self->resolved) Py_RETURN_NONE;
    if (ensure_table(self) < 0) return NULL;
    Py_ssize_t edges = self->width ? self->parent_shas.size / self->width : 0;
    self->parent_rows.size = 0;
    if (buffer_reserve(&self->parent_rows, edges * 4) < 0) return NULL;
    for (Py_ssize_t k = 0; k < edges; k++) {
        Py_ssize_t row = lookup(self, (unsigned char *)self->parent_shas.data + k * self->width);
        INT32_AT(self->parent_rows, k) = (int32_t)row;
    }
    self->parent_rows.size = edges * 4;
    self->resolved = 1;
    Py_RETURN_NONE;
}

static int check_resolved(HistoryObject *self) {
    if (!self->resolved) {
        PyErr_SetString(PyExc_ValueError, "resolve() the history first");
        return -1;
    }
    return 0;
}

static PyObject *History_parents(HistoryObject *self, PyObject *arg) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t row = PyLong_AsSsize_t(arg);
    if ((row == -1 && PyErr_Occurred()) || check_row(self, row) < 0 || check_resolved(self) < 0)
        return NULL;
    int32_t first = INT32_AT(self->parent_start, row), end = INT32_AT(self->parent_start, row + 1);
    PyObject *parents = PyTuple_New(end - first);
    if (parents == NULL) return NULL;
    for (int32_t k = first; k < end; k++) {
        PyObject *value = PyLong_FromLong(INT32_AT(self->parent_rows, k));
        if (value == NULL) {
            Py_DECREF(parents);
            return NULL;
        }
        PyTuple_SET_ITEM(parents, k - first, value);
    }
    return parents;
}

static PyObject *History_first_parent_sha(HistoryObject *self, PyObject *arg) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t row = PyLong_AsSsize_t(arg);
    if ((row == -1 && PyErr_Occurred()) || check_row(self, row) < 0) return NULL;
    int32_t first = INT32_AT(self->parent_start, row), end = INT32_AT(self->parent_start, row + 1);
    if (end == first) Py_RETURN_NONE;
    return hex_of((unsigned char *)self->parent_shas.data + (Py_ssize_t)first * self->width,
                  self->width);
}

/* -- buffers handed in from Python ------------------------------------------------------------- */

/* A contiguous buffer of `itemsize`-byte items; `writable` for marks. */
static int get_items(PyObject *object, Py_buffer *view, Py_ssize_t itemsize, int writable,
                     const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(object, view, flags) < 0) return -1;
    if (view->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s must hold %zd-byte items", name, itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *int32_array(const int32_t *values, Py_ssize_t count) {
    PyObject *bytes = PyBytes_FromStringAndSize((const char *)values, count * 4);
    if (bytes == NULL) return NULL;
    PyObject *result = PyObject_CallFunction(array_type, "sO", "i", bytes);
    Py_DECREF(bytes);
    return result;
}

static int check_rows(HistoryObject *self, const int32_t *rows, Py_ssize_t count) {
    for (Py_ssize_t i = 0; i < count; i++)
        if (rows[i] < 0 || rows[i] >= self->count) {
            PyErr_SetString(PyExc_IndexError, "no such row");
            return -1;
        }
    return 0;
}

/* -- the graph --------------------------------------------------------------------------------- */

static PyObject *History_walk(HistoryObject *self, PyObject *args) {
    if (check_ready(self) < 0) return NULL;
    Py_ssize_t start;
    int value;
    PyObject *mark_object, *stop_object;
    if (!PyArg_ParseTuple(args, "nOiO", &start, &mark_object, &value, &stop_object)) return NULL;
    if (check_resolved(self) < 0) return NULL;
    Py_buffer mark, stop;
    int has_stop = stop_object != Py_None;
    if (get_items(mark_object, &mark, 4, 1, "mark") < 0) return NULL;
    if (has_stop && get_items(stop_object, &stop, 1, 0, "stop") < 0) {
        PyBuffer_Release(&mark);
        return NULL;
    }
    PyObject *result = NULL, *new = NULL;
    Buffer stack = {0}, found = {0};
    Py_ssize_t boundary = -1;
    if (mark.len / 4 < self->count || (has_stop && stop.len < self->count)) {
        PyErr_SetString(PyExc_ValueError, "mark and stop need a value per row");
        goto done;
    }
    int32_t *marks = mark.buf;
    const char *stops = has_stop ? stop.buf : NULL;
    int32_t first = (int32_t)start;
    if (start >= self->count) {
        PyErr_SetString(PyExc_IndexError, "no such row");
        goto done;
    }
    if (buffer_append(&stack, &first, 4) < 0) goto done;
    while (stack.size) {
        stack.size -= 4;
        int32_t row = *(int32_t *)(stack.data + stack.size);
        if (row < 0 || marks[row] != -1) continue;
        if (stops != NULL && stops[row]) {
            boundary = row;
            break;
        }
        marks[row] = value;
        if (buffer_append(&found, &row, 4) < 0) goto done;
        int32_t from = INT32_AT(self->parent_start, row), to = INT32_AT(self->parent_start, row + 1);
        if (buffer_append(&stack, self->parent_rows.data + (Py_ssize_t)from * 4,
                          (Py_ssize_t)(to - from) * 4) < 0)
            goto done;
    }
    new = int32_array((const int32_t *)found.data, found.size / 4);
    if (new != NULL) result = Py_BuildValue("(On)", new, boundary);
done:
    Py_XDECREF(new);
    buffer_free(&stack);
    buffer_free(&found);
    PyBuffer_Release(&mark);
    if (has_stop) PyBuffer_Release(&stop);
    return result;
}

static const unsigned char *EMPTY_TREES[2] = {
    (const unsigned char *)"\x4b\x82\x5d\xc6\x42\xcb\x6e\xb9\xa0\x60\xe5\x4b\xf8\xd6\x92\x88\xfb\xee\x49\x04",
    (const unsigned char *)"\x6e\xf1\x9b\x41\x22\x5c\x53\x69\xf1\xc1\x04\xd4\x5d\x8d\x85\xef\xa9\xb0\x57\xb5"
                           "\x3b\x14\xb4\xb9\xb9\x39\xdd\x74\xde\xcc\x53\x21",
};

static PyObject *History_states(HistoryObject *self, PyObject *order_object) {
    if (check_ready(self) < 0) return NULL;
    if (check_resolved(self) < 0) return NULL;
    Py_buffer order;
    if (get_items(order_object, &order, 4, 0, "order") < 0) return NULL;
    PyObject *state = NULL, *ask = NULL, *result = NULL;
    const int32_t *rows = order.buf;
    Py_ssize_t count = order.len / 4;
    if (check_rows(self, rows, count) < 0) goto done;
    state = PyByteArray_FromStringAndSize(NULL, self->count);
    ask = PyList_New(0);
    if (state == NULL || ask == NULL) goto done;
    char *states = PyByteArray_AS_STRING(state);
    memset(states, STATE_COUNTED, (size_t)self->count);
    const unsigned char *trees = (const unsigned char *)self->trees.data;
    size_t width = (size_t)self->width;
    for (Py_ssize_t i = 0; i < count; i++) {
        int32_t row = rows[i];
        int32_t first = INT32_AT(self->parent_start, row), end = INT32_AT(self->parent_start, row + 1);
        const unsigned char *tree = trees + row * width;
        if (end - first > 1) {
            states[row] = STATE_EXCLUDED;
        } else if (end == first) {
            const unsigned char *empty = EMPTY_TREES[width == 32];
            if (memcmp(tree, empty, width) == 0) states[row] = STATE_EXCLUDED;
        } else {
            int32_t parent = INT32_AT(self->parent_rows, first);
            if (parent < 0) {
                states[row] = STATE_ASK_PARENT;
                PyObject *number = PyLong_FromLong(row);
                if (number == NULL || PyList_Append(ask, number) < 0) {
                    Py_XDECREF(number);
                    goto done;
                }
                Py_DECREF(number);
            } else if (memcmp(trees + parent * width, tree, width) == 0) {
                states[row] = STATE_EXCLUDED;
            }
        }
    }
    result = PyTuple_Pack(2, state, ask);
done:
    Py_XDECREF(state);
    Py_XDECREF(ask);
    PyBuffer_Release(&order);
    return result;
}

/* -- tallies ----------------------------------------------------------------------------------- */

static PyObject *History_pairs(HistoryObject *self, PyObject *args) {
    if (check_ready(self) < 0) return NULL;
    PyObject *order_object, *ident_attr_object;
    if (!PyArg_ParseTuple(args, "OO", &order_object, &ident_attr_object)) return NULL;
    Py_buffer order, ident_attr;
    if (get_items(order_object, &order, 4, 0, "order") < 0) return NULL;
    if (get_items(ident_attr_object, &ident_attr, 4, 0, "ident_attr") < 0) {
        PyBuffer_Release(&order);
        return NULL;
    }
    PyObject *result = NULL, *pairs = PyList_New(0), *of = NULL;
    const int32_t *rows = order.buf, *by_ident = ident_attr.buf;
    Py_ssize_t count = order.len / 4, idents = ident_attr.len / 4;
    int32_t *pair_of = PyMem_Malloc((size_t)(count ? count : 1) * 4);
    size_t size = 64;
    while (size < (size_t)count * 2 + 1) size *= 2;
    size_t mask = size - 1;
    uint64_t *keys = PyMem_Malloc(size * sizeof(uint64_t));
    int32_t *ids = PyMem_Malloc(size * sizeof(int32_t));
    if (pairs == NULL || pair_of == NULL || keys == NULL || ids == NULL) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    if (check_rows(self, rows, count) < 0) goto done;
    for (size_t k = 0; k < size; k++) ids[k] = -1;
    int32_t next = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        int32_t row = rows[i];
        int32_t attr = INT32_AT(self->attrs, row);
        if (attr < 0) {
            int32_t ident = INT32_AT(self->idents, row);
            if (ident >= idents) {
                PyErr_SetString(PyExc_IndexError, "ident_attr lacks an identity");
                goto done;
            }
            attr = by_ident[ident];
        }
        int32_t person = INT32_AT(self->people, row);
        uint64_t key = ((uint64_t)(uint32_t)attr << 32) | (uint32_t)person;
        size_t slot = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
        while (ids[slot] >= 0 && keys[slot] != key) slot = (slot + 1) & mask;
        if (ids[slot] < 0) {
            keys[slot] = key;
            ids[slot] = next++;
            PyObject *pair = Py_BuildValue("(ii)", attr, person);
            if (pair == NULL || PyList_Append(pairs, pair) < 0) {
                Py_XDECREF(pair);
                goto done;
            }
            Py_DECREF(pair);
        }
        pair_of[i] = ids[slot];
    }
    of = int32_array(pair_of, count);
    if (of != NULL) result = PyTuple_Pack(2, pairs, of);
done:
    Py_XDECREF(pairs);
    Py_XDECREF(of);
    PyMem_Free(pair_of);
    PyMem_Free(keys);
    PyMem_Free(ids);
    PyBuffer_Release(&order);
    PyBuffer_Release(&ident_attr);
    return result;
}

static PyObject *list_of_ints(const Py_ssize_t *values, Py_ssize_t count) {
    PyObject *list = PyList_New(count);
    if (list == NULL) return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *value = PyLong_FromSsize_t(values[i]);
        if (value == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, value);
    }
    return list;
}

static PyObject *History_tally(HistoryObject *self, PyObject *args) {
    if (check_ready(self) < 0) return NULL;
    PyObject *objects[7];
    if (!PyArg_ParseTuple(args, "OOOOOOO", &objects[0], &objects[1], &objects[2], &objects[3],
                          &objects[4], &objects[5], &objects[6]))
        return NULL;
    static const Py_ssize_t itemsizes[7] = {4, 4, 4, 4, 1, 1, 8};
    static const char *names[7] = {"order", "deploy_of", "pair_of", "slot_of_pair",
                                   "ai_of_slot", "state", "deploy_times"};
    Py_buffer views[7];
    int held = 0;
    PyObject *result = NULL, *slot_deploys = NULL, *slot_leads = NULL, *negative = NULL;
    Py_ssize_t *counted = NULL, *reverted = NULL, *per_deploy = NULL, *per_deploy_ai = NULL;
    unsigned char *seen = NULL;
    Buffer *leads = NULL;
    Py_ssize_t lead_slots = 0;
    for (; held < 7; held++)
        if (get_items(objects[held], &views[held], itemsizes[held], 0, names[held]) < 0) goto done;
    const int32_t *order = views[0].buf, *deploy_of = views[1].buf, *pair_of = views[2].buf,
                  *slot_of_pair = views[3].buf;
    const unsigned char *ai_of_slot = views[4].buf, *state = views[5].buf;
    const double *deploy_times = views[6].buf;
    Py_ssize_t count = views[0].len / 4, pairs = views[3].len / 4, slots = views[4].len,
               deploys = views[6].len / 8;
    if (views[1].len / 4 < count || views[2].len / 4 < count || views[5].len < self->count) {
        PyErr_SetString(PyExc_ValueError, "deploy_of, pair_of and state are too short");
        goto done;
    }
    if (check_rows(self, order, count) < 0) goto done;
    for (Py_ssize_t p = 0; p < pairs; p++)
        if (slot_of_pair[p] < 0 || slot_of_pair[p] >= slots) {
            PyErr_SetString(PyExc_IndexError, "a pair has no slot");
            goto done;
        }
    counted = PyMem_Calloc((size_t)pairs + 1, sizeof(Py_ssize_t));
    reverted = PyMem_Calloc((size_t)pairs + 1, sizeof(Py_ssize_t));
    per_deploy = PyMem_Calloc((size_t)deploys + 1, sizeof(Py_ssize_t));
    per_deploy_ai = PyMem_Calloc((size_t)deploys + 1, sizeof(Py_ssize_t));
    seen = PyMem_Calloc((size_t)(slots * deploys) + 1, 1);
    leads = PyMem_Calloc((size_t)slots + 1, sizeof(Buffer));
    lead_slots = slots;
    negative = PyList_New(0);
    if (!counted || !reverted || !per_deploy || !per_deploy_ai || !seen || !leads || !negative) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    const int64_t *times = (const int64_t *)self->times.data;
    for (Py_ssize_t i = 0; i < count; i++) {
        int32_t row = order[i], pair = pair_of[i], deploy = deploy_of[i];
        if (pair < 0 || pair >= pairs || deploy < 0 || deploy >= deploys) {
            PyErr_SetString(PyExc_IndexError, "a position has no pair or no deploy");
            goto done;
        }
        unsigned char kind = state[row];
        if (kind == STATE_REVERTED) {
            reverted[pair]++;
            continue;
        }
        if (kind != STATE_COUNTED) continue;
        counted[pair]++;
        int32_t slot = slot_of_pair[pair];
        seen[(Py_ssize_t)slot * deploys + deploy] = 1;
        per_deploy[deploy]++;
        per_deploy_ai[deploy] += ai_of_slot[slot];
        double lead = deploy_times[deploy] - (double)times[row];
        if (lead < 0) {
            PyObject *value = PyLong_FromSsize_t(i);
            if (value == NULL || PyList_Append(negative, value) < 0) {
                Py_XDECREF(value);
                goto done;
            }
            Py_DECREF(value);
        } else if (buffer_append(&leads[slot], &lead, sizeof lead) < 0) {
            goto done;
        }
    }
    slot_leads = PyList_New(slots);
    if (slot_leads == NULL) goto done;
    for (Py_ssize_t s = 0; s < slots; s++) {
        PyObject *bytes = PyBytes_FromStringAndSize(leads[s].data, leads[s].size);
        PyObject *values = bytes ? PyObject_CallFunction(array_type, "sO", "d", bytes) : NULL;
        Py_XDECREF(bytes);
        if (values == NULL) goto done;
        PyList_SET_ITEM(slot_leads, s, values);
    }
    slot_deploys = PyList_New(slots);
    if (slot_deploys == NULL) goto done;
    for (Py_ssize_t s = 0; s < slots; s++) {
        PyObject *list = PyList_New(0);
        if (list == NULL) goto done;
        PyList_SET_ITEM(slot_deploys, s, list);
        for (Py_ssize_t d = 0; d < deploys; d++) {
            if (!seen[s * deploys + d]) continue;
            PyObject *value = PyLong_FromSsize_t(d);
            if (value == NULL || PyList_Append(list, value) < 0) {
                Py_XDECREF(value);
                goto done;
            }
            Py_DECREF(value);
        }
    }
    PyObject *counted_list = list_of_ints(counted, pairs);
    PyObject *reverted_list = list_of_ints(reverted, pairs);
    PyObject *deploy_list = list_of_ints(per_deploy, deploys);
    PyObject *deploy_ai_list = list_of_ints(per_deploy_ai, deploys);
    if (counted_list && reverted_list && deploy_list && deploy_ai_list)
        result = PyTuple_Pack(7, counted_list, reverted_list, slot_deploys, slot_leads, negative,
                              deploy_list, deploy_ai_list);
    Py_XDECREF(counted_list);
    Py_XDECREF(reverted_list);
    Py_XDECREF(deploy_list);
    Py_XDECREF(deploy_ai_list);
done:
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    Py_XDECREF(slot_deploys);
    Py_XDECREF(slot_leads);
    Py_XDECREF(negative);
    PyMem_Free(counted);
    PyMem_Free(reverted);
    PyMem_Free(per_deploy);
    PyMem_Free(per_deploy_ai);
    PyMem_Free(seen);
    for (Py_ssize_t s = 0; s < lead_slots; s++) buffer_free(&leads[s]);
    PyMem_Free(leads);
    return result;
}

/* -- the type ---------------------------------------------------------------------------------- */

static PyObject *History_get_ident_keys(HistoryObject *self, void *closure) {
    if (check_ready(self) < 0) return NULL;
    return Py_NewRef(self->ident_keys);
}

static PyObject *History_get_person_keys(HistoryObject *self, void *closure) {
    if (check_ready(self) < 0) return NULL;
    return Py_NewRef(self->person_keys);
}

static PyGetSetDef History_getset[] = {
    {"ident_keys", (getter)History_get_ident_keys, NULL, "identity keys by id", NULL},
    {"person_keys", (getter)History_get_person_keys, NULL, "person keys by id", NULL},
    {NULL},
};

static PyMethodDef History_methods[] = {
    {"feed", (PyCFunction)History_feed, METH_O, "take the next bytes of the stream"},
    {"finish", (PyCFunction)History_finish, METH_NOARGS, "the end of the stream"},
    {"sha", (PyCFunction)History_sha, METH_O, "the sha of a row"},
    {"tree", (PyCFunction)History_tree, METH_O, "the tree of a row"},
    {"time", (PyCFunction)History_time, METH_O, "the committer time of a row"},
    {"ident", (PyCFunction)History_ident, METH_O, "the identity id of a row"},
    {"person", (PyCFunction)History_person, METH_O, "the person id of a row"},
    {"set_attr", (PyCFunction)History_set_attr, METH_VARARGS, "give a row its attribution id"},
    {"index", (PyCFunction)History_index, METH_O, "the row of a full sha, or -1"},
    {"resolve", (PyCFunction)History_resolve, METH_NOARGS, "parent shas to rows"},
    {"parents", (PyCFunction)History_parents, METH_O, "the parent rows of a row"},
    {"first_parent_sha", (PyCFunction)History_first_parent_sha, METH_O, "a row's first parent"},
    {"walk", (PyCFunction)History_walk, METH_VARARGS, "mark what a row reaches"},
    {"states", (PyCFunction)History_states, METH_O, "merge and empty checks"},
    {"pairs", (PyCFunction)History_pairs, METH_VARARGS, "(attribution, person) pairs"},
    {"tally", (PyCFunction)History_tally, METH_VARARGS, "sums per pair, slot and deploy"},
    {NULL},
};

static PySequenceMethods History_as_sequence = {.sq_length = (lenfunc)History_len};

static PyTypeObject HistoryType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "deploycount.history._speedups.History",
    .tp_doc = "The history as columns (the compiled twin of columns.PyHistory).",
    .tp_basicsize = sizeof(HistoryObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)History_init,
    .tp_dealloc = (destructor)History_dealloc,
    .tp_methods = History_methods,
    .tp_getset = History_getset,
    .tp_as_sequence = &History_as_sequence,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups", "The compiled twin of deploycount.history.columns.", -1, NULL,
};

/* An int attribute of deploycount.history.columns, into `out`; -1 when it is missing. */
static int constant(PyObject *columns, const char *name, int64_t *out) {
    PyObject *value = PyObject_GetAttrString(columns, name);
    if (value == NULL) return -1;
    long long number = PyLong_AsLongLong(value);
    Py_DECREF(value);
    if (number == -1 && PyErr_Occurred()) return -1;
    *out = (int64_t)number;
    return 0;
}

static int read_constants(void) {
    PyObject *columns = PyImport_ImportModule("deploycount.history.columns");
    if (columns == NULL) return -1;
    int64_t values[6];
    static const char *names[6] = {"COUNTED", "REVERTED", "EXCLUDED", "ASK_PARENT", "FIELDS",
                                   "FIELDS_WITH_NOTES"};
    int failed = 0;
    for (int k = 0; k < 6 && !failed; k++) failed = constant(columns, names[k], &values[k]) < 0;
    if (!failed) failed = constant(columns, "TIME_MIN", &TIME_MIN) < 0 ||
                          constant(columns, "TIME_MAX", &TIME_MAX) < 0;
    Py_DECREF(columns);
    if (failed) return -1;
    STATE_COUNTED = (int)values[0];
    STATE_REVERTED = (int)values[1];
    STATE_EXCLUDED = (int)values[2];
    STATE_ASK_PARENT = (int)values[3];
    FIELDS = (int)values[4];
    FIELDS_WITH_NOTES = (int)values[5];
    if (FIELDS_WITH_NOTES > 12 || FIELDS < 10 || TIME_MAX <= 0 || TIME_MIN >= 0) {
        PyErr_SetString(PyExc_ImportError, "deploycount.history.columns has constants this build cannot use");
        return -1;
    }
    return 0;
}

static int random_key(void) {
    PyObject *os = PyImport_ImportModule("os");
    if (os == NULL) return -1;
    PyObject *bytes = PyObject_CallMethod(os, "urandom", "i", 16);
    Py_DECREF(os);
    if (bytes == NULL) return -1;
    if (!PyBytes_Check(bytes) || PyBytes_GET_SIZE(bytes) != 16) {
        Py_DECREF(bytes);
        PyErr_SetString(PyExc_ImportError, "os.urandom gave no key");
        return -1;
    }
    const unsigned char *key = (const unsigned char *)PyBytes_AS_STRING(bytes);
    sip_key[0] = load64(key);
    sip_key[1] = load64(key + 8);
    Py_DECREF(bytes);
    return 0;
}

PyMODINIT_FUNC PyInit__speedups(void) {
    if (read_constants() < 0 || random_key() < 0) return NULL;
    if (PyType_Ready(&HistoryType) < 0) return NULL;
    PyObject *array_module = PyImport_ImportModule("array");
    if (array_module == NULL) return NULL;
    array_type = PyObject_GetAttrString(array_module, "array");
    Py_DECREF(array_module);
    if (array_type == NULL) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&HistoryType);
    if (PyModule_AddObject(m, "History", (PyObject *)&HistoryType) < 0) {
        Py_DECREF(&HistoryType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
