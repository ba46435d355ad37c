"""Go's encoding/json output; the one implementation lives in the leaf package (aws_facts.gojson), which the
pack's size rules use too (the provider sends ECR policies as Go writes them)."""

from aws_facts.gojson import marshal, marshal_indent, provider_form

__all__ = ["marshal", "marshal_indent", "provider_form"]
