"""dixie-infra: the Pulumi program that deploys Dixie (loa-dixie) to the Armitage ring and production."""
