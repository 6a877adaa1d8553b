from scripts.adopt.cli import main

raise SystemExit(main())
