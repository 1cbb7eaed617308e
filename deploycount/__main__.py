from deploycount.launch import main

main()
