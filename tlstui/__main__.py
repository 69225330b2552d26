from tlstui.cli import main

raise SystemExit(main())
