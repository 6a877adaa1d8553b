from scripts.bootstrap_db.cli import main

raise SystemExit(main())
