"""``python -m dixie_infra.offline``: the offline plan (``make plan``)."""

from dixie_infra.offline.plan import main

raise SystemExit(main())
