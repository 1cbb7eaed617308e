from deploycount.cli import main

main()
