from deploycount import main

main()
