from scripts.verify_deploy.cli import main

raise SystemExit(main())
