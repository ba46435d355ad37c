"""Each stack owner's least-privilege deployer policy, the deployer roles' trust and the roles' boundary.

A command-line tool beside the stacks (`make deployer-policies`, `python -m deployer_policies`); no stack
imports it. It takes from the stacks' library only the names and facts it needs (roles, namespace, the
stack-reference contract, the environment's stack files). `policies.py` builds the policies from
aws_facts.provider_actions (what the provider calls per resource type) and `stack_types.py` (the types each stack
creates), with `scope.py` (the Target and the names), `statements.py` (the shared statement builders) and
`boundary.py` (the permissions boundary and the no-escalation statements); `cli.py` is the command.
"""
