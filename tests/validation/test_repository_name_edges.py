"""ECR's repository-name rule at its edges, as the leaf reads it from botocore's model (aws_facts.names) and as
the catalog applies it to a model name (`<namespace>/<model>`). The model admits `__` and runs of dashes
between name parts; moto 5.2.5 still refuses them (tests/contract/test_contract_validation_agreement.py shows
where moto and the leaf agree and pins these two as moto's own stricter rule). The examples are written out."""

import pytest
import yaml
from aws_facts import models, names
from model_registry.catalog import load_catalog
from model_registry.errors import ConfigError

# botocore 1.44's ECR model (data/ecr/2015-09-21/service-2.json, shape RepositoryName): the rule this project
# follows. A botocore upgrade that changes it fails here first, so the change is read, not inherited silently.
ECR_REPOSITORY_NAME = {
    "type": "string",
    "max": 256,
    "min": 2,
    "pattern": r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*",
}


def test_the_leaf_reads_the_rule_of_ecr_s_model():
    assert models.shape("ecr", "RepositoryName") == ECR_REPOSITORY_NAME
    assert names.REPOSITORY_NAME_LENGTH == (2, 256)


ACCEPTED = [
    "ab",  # 2 characters, the minimum
    "a" * 256,  # the maximum
    "a__b",  # a double underscore joins two parts
    "a--b",  # so does a run of dashes, of any length
    "a---b",
    "a.b_c-d",
    "models/a__b/c--d",
    "0/1",
]
REFUSED = [
    "a",  # one under the minimum
    "a" * 257,  # one over the maximum
    "a___b",  # three underscores: neither '_' nor '__'
    "a_-b",  # two different separators in a row
    "a-_b",
    "a._b",
    "a..b",
    "_a",  # a separator at an end
    "a_",
    "a-",
    "a/",
    "/a",
    "a//b",
    "A",
    "Ab",
    "a b",
    "a:b",
]


@pytest.mark.parametrize("name", ACCEPTED)
def test_names_at_the_edge_that_ecr_accepts(name):
    assert names.is_repository_name(name)


@pytest.mark.parametrize("name", REFUSED)
def test_names_at_the_edge_that_ecr_refuses(name):
    assert not names.is_repository_name(name)


def _load(tmp_path, model):
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "nlp.yaml").write_text(yaml.safe_dump({"team": "nlp", "models": [{"name": model}]}))
    return load_catalog(folder, namespace="models")


# `models/` takes 7 of the 256 characters: a model name has 249.
@pytest.mark.parametrize("model", ["a__b", "a--b", "a---b", "ab", "a" * 249])
def test_the_catalog_takes_a_model_name_ecr_accepts_as_models_slash_name(tmp_path, model):
    assert [m.name for m in _load(tmp_path, model).models] == [model]


@pytest.mark.parametrize(
    ("model", "named"),
    [
        ("a___b", "is not a valid model name"),
        ("a_-b", "is not a valid model name"),
        ("a", "is not a valid model name"),
        ("a/b", "is not a valid model name"),  # a model is one path component
        ("a" * 250, "the repository name models/<name> is 257 characters; ECR allows 256"),
    ],
)
def test_the_catalog_refuses_one_over_the_edge_naming_the_file(tmp_path, model, named):
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, model)
    (problem,) = error.value.problems
    assert problem.startswith("catalog/nlp.yaml:") and named in problem, problem
