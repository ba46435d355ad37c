"""checkov-skips.yaml: any content is read or refused in one line; no misspelt key widens a skip."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inputs_helpers import file_bytes, json_values, read_or_refused_in_one_line
from offline_preview.checkov import SKIP_KEYS, CheckovError, load_skips


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    return tmp_path_factory.mktemp("skips") / "checkov-skips.yaml"


def _read_or_refuse(path):
    return read_or_refused_in_one_line(load_skips, path, CheckovError)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_bytes)
def test_any_bytes_are_read_or_refused(path, data):
    path.write_bytes(data)
    _read_or_refuse(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "skips": st.lists(
                    st.dictionaries(st.sampled_from([*SKIP_KEYS, "wher", "resource_type"]), json_values), max_size=3
                )
            }
        ),
    )
)
def test_any_shape_is_read_or_refused(path, data):
    import yaml

    path.write_text(yaml.safe_dump(data))
    _read_or_refuse(path)


@pytest.mark.parametrize("misspelt", ["wher", "resource_type", "Check", "reasons"])
def test_a_misspelt_key_is_an_error_with_line_and_closest_key(path, misspelt):
    path.write_text(f"skips:\n  - check: CKV_AWS_51\n    reason: a reason long enough to pass\n    {misspelt}: x\n")
    with pytest.raises(CheckovError) as error:
        load_skips(path)
    assert str(error.value).startswith(f"{path}:4: unknown key {misspelt!r}; did you mean ")
