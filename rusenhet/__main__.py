from rusenhet.cli.app import main

main()
