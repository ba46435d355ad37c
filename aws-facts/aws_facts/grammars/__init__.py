"""Document grammars and API rules AWS applies beyond the request shapes: IAM policy documents, ECR lifecycle
policies, registry-policy scopes, repository policies, the KMS key-policy lockout check, tag-mutability
exclusions and replication destinations. Each function returns `Problem`s (aws_facts.validation.shapes)."""
