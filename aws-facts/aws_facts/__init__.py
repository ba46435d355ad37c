"""AWS knowledge for the whole repository: the leaf package every other part imports, importing none of them.

`aws_facts.iam` reads and evaluates IAM policy documents. Pure Python, no Pulumi import.
"""
