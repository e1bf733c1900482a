"""appstack.plandiff on small hand-made plans."""

from __future__ import annotations

import copy
import json

import pytest

from appstack.plandiff import EXIT_STATEFUL, diff_plans, main_diff, render_json, render_markdown, render_text

from .plans import aws_plan, k8s_plan, plan, resource

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
RDS = "aws:rds/instance:Instance"


def _by_name(diff, name):
    return next(r for r in diff.resources if r.name == name)


def _all_renderings(diff) -> str:
    return render_markdown(diff) + render_text(diff) + render_json(diff)


def test_identical_plans_have_no_changes():
    for factory in (k8s_plan, aws_plan):
        diff = diff_plans(factory(), factory())
        assert not diff.has_changes
        assert diff.counts == {"create": 0, "update": 0, "replace": 0, "delete": 0,
                               "unchanged": diff.counts["unchanged"]}
        assert diff.counts["unchanged"] >= 3  # component resources are not counted
        assert "No changes." in render_markdown(diff)
        assert diff.stateful_hazards == []


def test_k8s_image_tag_is_an_in_place_update():
    diff = diff_plans(k8s_plan("ghcr.io/acme/zmage:1.0.0"), k8s_plan("ghcr.io/acme/zmage:1.1.0"))
    web = _by_name(diff, "zmage-web")
    assert web.action == "update"
    [change] = web.effective_changes
    assert change.path == "spec.template.spec.containers[0].image"
    assert (change.old, change.new, change.replaces) == ("ghcr.io/acme/zmage:1.0.0",
                                                         "ghcr.io/acme/zmage:1.1.0", False)
    assert diff.counts["update"] == 1 and diff.counts["replace"] == 0
    assert "ghcr.io/acme/zmage:1.1.0" in render_markdown(diff)


def test_ecs_container_definitions_are_diffed_structurally():
    diff = diff_plans(aws_plan(image_tag="1.0.0"), aws_plan(image_tag="1.1.0"))
    task = _by_name(diff, "zmage-web")
    [change] = task.effective_changes
    assert change.path == "containerDefinitions(json)[0].image"
    assert change.new.endswith("zmage:1.1.0")
    # ECS task definitions are immutable: a new revision (replacement), but not stateful
    assert task.action == "replace" and not task.hazard
    assert diff.stateful_hazards == []


@pytest.mark.parametrize(("kwargs", "prop"), [({"engine": "mysql"}, "engine"),
                                              ({"encrypted": False}, "storageEncrypted")])
def test_rds_replacement_is_a_stateful_hazard(kwargs, prop):
    diff = diff_plans(aws_plan(), aws_plan(**kwargs))
    db = _by_name(diff, "zmage-db")
    assert db.action == "replace" and db.stateful and db.hazard
    assert any(prop in reason for reason in db.replace_reasons)
    assert [r.name for r in diff.stateful_hazards] == ["zmage-db"]
    assert any("protected" in note for note in db.notes)
    md = render_markdown(diff)
    assert "[!CAUTION]" in md and "REPLACED or DELETED" in md
    assert md.index("[!CAUTION]") < md.index("| Action |")  # warning block comes first
    assert "!!! WARNING" in render_text(diff)


def test_removed_bucket_is_a_stateful_deletion():
    diff = diff_plans(aws_plan(), aws_plan(with_bucket=False))
    bucket = _by_name(diff, "zmage-media")
    assert bucket.action == "delete" and bucket.hazard
    assert diff.counts["delete"] == 1
    assert "**DELETE** `aws:s3/bucket:Bucket` `zmage-media`" in render_markdown(diff)


def test_added_resource_is_a_create():
    diff = diff_plans(aws_plan(with_bucket=False), aws_plan())
    assert _by_name(diff, "zmage-media").action == "create"
    assert diff.stateful_hazards == []


def test_secrets_are_never_printed():
    base, head = k8s_plan(), k8s_plan()
    # the secret changed (we cannot tell: both masked), and a plaintext password leaked into a plan
    head_secret = next(r for r in head["resources"] if r["name"] == "zmage-db")
    head_secret["inputs"]["stringData"] = "[secret]"
    base_aws, head_aws = aws_plan(password="old-Plaintext-pw"), aws_plan(password="new-Plaintext-pw")
    for b, h in ((base, head), (base_aws, head_aws)):
        diff = diff_plans(b, h)
        text = _all_renderings(diff)
        assert "Plaintext" not in text
    diff = diff_plans(base_aws, head_aws)
    [pw] = _by_name(diff, "zmage-db").effective_changes
    assert (pw.path, pw.old, pw.new, pw.secret) == ("password", "[secret]", "[secret]", True)
    assert "password: [secret] → [secret] (changed)" in render_text(diff)


def test_secret_on_both_sides_is_reported_as_possibly_changed_not_as_update():
    base, head = aws_plan(), aws_plan()
    diff = diff_plans(base, head)
    db = _by_name(diff, "zmage-db")
    assert db.action == "unchanged"
    assert [c.kind for c in db.changes] == ["secret"]
    assert diff.uncomparable_secrets == 1
    assert "(secret, may have changed)" in render_text(diff)
    assert not diff.has_changes


def test_secret_inside_container_definitions_json_is_masked():
    base, head = aws_plan(), aws_plan()
    for p, value in ((base, "s3cr3t-one"), (head, "[secret]")):
        task = p["resources"][1]
        containers = json.loads(task["inputs"]["containerDefinitions"])
        containers[0]["environment"] = [{"name": "API_KEY", "value": value}]
        task["inputs"]["containerDefinitions"] = json.dumps(containers)
    diff = diff_plans(base, head)
    assert "s3cr3t-one" not in _all_renderings(diff)
    [change] = _by_name(diff, "zmage-web").effective_changes
    assert (change.old, change.new, change.secret) == ("[secret]", "[secret]", True)


def test_ignore_changes_are_not_updates():
    base, head = aws_plan(), aws_plan()
    head["resources"][2]["inputs"]["allocatedStorage"] = 80  # RDS, ignore_changes=["allocatedStorage"]
    diff = diff_plans(base, head)
    db = _by_name(diff, "zmage-db")
    assert db.action == "unchanged" and diff.counts["update"] == 0
    ignored = [c for c in db.changes if c.ignored]
    assert [c.path for c in ignored] == ["allocatedStorage"]
    assert "ignored (ignoreChanges)" in render_markdown(diff)


def test_ignore_changes_on_a_replace_forcing_property_prevents_replacement():
    base, head = aws_plan(), aws_plan(engine="mysql")
    for p in (base, head):
        p["resources"][2]["options"]["ignore_changes"] = ["engine"]
    assert _by_name(diff_plans(base, head), "zmage-db").action == "unchanged"


def test_replace_on_changes_option_forces_replacement():
    base, head = k8s_plan(), k8s_plan()
    head["resources"][1]["options"]["replace_on_changes"] = ["spec.template.spec.containers[*].image"]
    head["resources"][1]["inputs"]["spec"]["template"]["spec"]["containers"][0]["image"] = "x:2"
    web = _by_name(diff_plans(base, head), "zmage-web")
    assert web.action == "replace"
    assert "replaceOnChanges" in web.replace_reasons[0]


def test_kubernetes_pvc_and_name_changes():
    base, head = k8s_plan(), k8s_plan()
    pvc = head["resources"][3]["inputs"]
    pvc["spec"]["resources"]["requests"]["storage"] = "20Gi"  # expansion: in place
    diff = diff_plans(base, head)
    assert _by_name(diff, "zmage-uploads").action == "update"
    pvc["spec"]["storageClassName"] = "fast"  # immutable
    diff = diff_plans(base, head)
    assert _by_name(diff, "zmage-uploads").hazard
    head = k8s_plan()
    head["resources"][1]["inputs"]["metadata"]["namespace"] = "other"
    web = _by_name(diff_plans(base, head), "zmage-web")
    assert web.action == "replace" and not web.hazard
    assert any("deleted BEFORE" in n for n in web.notes)


def test_statefulset_claim_templates_and_cnpg_cluster():
    sts = resource("dev", "kubernetes:apps/v1:StatefulSet", "redis", {
        "metadata": {"name": "redis"}, "spec": {"serviceName": "redis", "selector": {},
                                                "volumeClaimTemplates": [{"spec": {"resources": {
                                                    "requests": {"storage": "1Gi"}}}}]}})
    cnpg = resource("dev", "kubernetes:postgresql.cnpg.io/v1:Cluster", "pg", {"spec": {"instances": 1}})
    base = plan("dev", "kubernetes", [sts, cnpg])
    head = copy.deepcopy(base)
    head["resources"][1]["inputs"]["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"][
        "storage"] = "2Gi"
    del head["resources"][2]
    diff = diff_plans(base, head)
    assert {r.name: r.action for r in diff.stateful_hazards} == {"redis": "replace", "pg": "delete"}


def test_urn_change_without_alias_is_delete_and_create():
    base, head = aws_plan(), aws_plan()
    moved = head["resources"][3]
    moved["urn"] = moved["urn"].replace("appstack:app:Application$", "appstack:app:Storage$")
    diff = diff_plans(base, head)
    bucket = _by_name(diff, "zmage-media")
    assert bucket.action == "replace" and bucket.hazard and bucket.old_urn
    assert "URN changed" in bucket.replace_reasons[0]
    # ... and with an alias it is the same resource
    moved["options"]["aliases"] = [base["resources"][3]["urn"]]
    bucket = _by_name(diff_plans(base, head), "zmage-media")
    assert bucket.action == "unchanged" and not bucket.hazard


def test_unknown_replace_forcing_value_flags_possible_replacement():
    base, head = aws_plan(), aws_plan()
    base["resources"][2]["inputs"]["kmsKeyId"] = "arn:aws:kms:eu-west-1:1:key/abc"
    db = _by_name(diff_plans(base, head), "zmage-db")
    assert db.action == "replace" and "known only after apply" in db.replace_reasons[0]


def test_generated_secret_regeneration_is_a_stateful_hazard():
    def secrets(length):
        return plan("prod", "aws", [resource("prod", "random:index/randomPassword:RandomPassword",
                                             "zmage-nextauth-secret", {"length": length, "special": False},
                                             protect=True, additional_secret_outputs=["result"])])
    key = _by_name(diff_plans(secrets(48), secrets(64)), "zmage-nextauth-secret")
    assert key.action == "replace" and key.hazard


def test_elasticache_transit_encryption_depends_on_engine_version():
    def cache(version, transit):
        return plan("prod", "aws", [resource("prod", "aws:elasticache/replicationGroup:ReplicationGroup",
                                             "cache", {"engineVersion": version,
                                                       "transitEncryptionEnabled": transit})])
    assert _by_name(diff_plans(cache("6.2", False), cache("6.2", True)), "cache").hazard
    assert _by_name(diff_plans(cache("7.1", False), cache("7.1", True)), "cache").action == "update"


def test_json_output_is_deterministic_and_parseable():
    a = render_json(diff_plans(aws_plan(), aws_plan(engine="mysql", with_bucket=False)))
    b = render_json(diff_plans(aws_plan(), aws_plan(engine="mysql", with_bucket=False)))
    assert a == b
    data = json.loads(a)
    assert data["summary"]["replace"] >= 1 and data["summary"]["delete"] == 1
    assert sorted(data["stateful_hazards"]) == data["stateful_hazards"] or len(data["stateful_hazards"]) == 2


def test_markdown_shape():
    md = render_markdown(diff_plans(k8s_plan(), k8s_plan("ghcr.io/acme/zmage:2.0.0")))
    assert md.startswith("<!-- appstack-plan-diff stack=dev -->")
    assert "| Action | Resources |" in md and "<details>" in md and "</details>" in md
    assert "[!CAUTION]" not in md


def test_rejects_foreign_documents():
    from appstack.plandiff import PlanFormatError
    with pytest.raises(PlanFormatError):
        diff_plans({"format": "something/v9", "resources": []}, aws_plan())


def test_cli_files_formats_and_exit_codes(tmp_path, capsys):
    base, head = tmp_path / "base.json", tmp_path / "head.json"
    base.write_text(json.dumps(aws_plan()))
    head.write_text(json.dumps(aws_plan(with_bucket=False)))
    assert main_diff([str(base), str(head), "--format", "text"]) == 0
    assert "delete aws:s3/bucket:Bucket zmage-media" in capsys.readouterr().out
    out = tmp_path / "diff.md"
    code = main_diff(["plan", "diff", str(base), str(head), "--output", str(out),
                      "--fail-on-stateful-replacement"])
    assert code == EXIT_STATEFUL == 3
    assert "[!CAUTION]" in out.read_text()
    assert main_diff([str(base), str(base), "--fail-on-stateful-replacement", "--format", "json"]) == 0
    assert main_diff([str(base)]) == 2
    assert main_diff([str(base), str(tmp_path / "missing.json")]) == 1


def _with_secret_versions(p: dict, count: int) -> dict:
    """A plan with ``count`` more resources whose only input is a masked secret."""
    p = copy.deepcopy(p)
    p["resources"] += [resource(p["stack"], "aws:secretsmanager/secretVersion:SecretVersion", f"s{i}",
                                {"secretId": f"arn:s{i}", "secretString": "[secret]"}) for i in range(count)]
    return p


def test_identical_plans_with_many_masked_secrets_stay_a_short_comment():
    # A real prod plan has ~40 resources whose only "change" is a secret masked on both sides.
    # One block each buried the actual changes of every PR comment under "No changes." noise.
    base = head = _with_secret_versions(aws_plan(), 40)
    diff = diff_plans(base, head)
    assert not diff.has_changes and diff.uncomparable_secrets == 41
    md, text = render_markdown(diff), render_text(diff)
    assert "<details><summary>·" not in md  # no per-resource block for unchanged resources
    assert "| <code>aws:secretsmanager/secretVersion:SecretVersion</code> | <code>secretString</code> | 40 |" in md
    assert "aws:secretsmanager/secretVersion:SecretVersion secretString: 40 resource(s)" in text
    assert "unchanged aws:" not in text
    assert len(md) < 1500 and len(text) < 800
    # the machine-readable report keeps every entry
    assert len(json.loads(render_json(diff))["resources"]) == 41


def test_real_change_is_still_listed_next_to_masked_secrets():
    base = _with_secret_versions(aws_plan(), 5)
    head = copy.deepcopy(base)
    head["resources"][2]["inputs"]["storageEncrypted"] = False
    md = render_markdown(diff_plans(base, head))
    assert "storageEncrypted" in md and "<code>password</code>" in md  # the replaced RDS keeps its rows


@pytest.mark.parametrize(("name", "old", "new"), [
    ("STRIPE_SECRET_KEY", "not-shaped-1", "not-shaped-2"),  # by name
    ("BILLING_CONFIG", "sk_live_0123456789abcdefOLD", "sk_live_0123456789abcdefNEW"),  # by value
    ("DATABASE_URL", "postgres://app:hunter2old@db:5432/app", "postgres://app:hunter2new@db:5432/app"),
])
def test_plaintext_credentials_in_environment_are_masked(name, old, new):
    # A secret that reached a plain `environment` entry (the policy pack blocks the deploy, but the
    # PR comment is posted first) must not be printed in the comment.
    base, head = aws_plan(), aws_plan()
    for p, value in ((base, old), (head, new)):
        task = p["resources"][1]
        containers = json.loads(task["inputs"]["containerDefinitions"])
        containers[0]["environment"] = [{"name": name, "value": value}]
        task["inputs"]["containerDefinitions"] = json.dumps(containers)
    diff = diff_plans(base, head)
    rendered = _all_renderings(diff)
    assert old not in rendered and new not in rendered
    [change] = _by_name(diff, "zmage-web").effective_changes
    assert (change.old, change.new, change.secret, change.note) == ("[secret]", "[secret]", True, "changed")


def test_plaintext_credentials_in_an_added_json_document_and_in_outputs_are_masked():
    base, head = aws_plan(), aws_plan()
    task = head["resources"][1]
    containers = json.loads(task["inputs"]["containerDefinitions"])
    containers[0]["environment"] = [{"name": "API_TOKEN", "value": "tok-plaintext-1"}]
    task["inputs"]["containerDefinitionsCopy"] = json.dumps(containers)  # a new JSON-string input
    head["outputs"] = {"adminPassword": "out-plaintext-2", "url": "https://zmage2.example.com"}
    diff = diff_plans(base, head)
    rendered = _all_renderings(diff)
    assert "tok-plaintext-1" not in rendered and "out-plaintext-2" not in rendered
    assert "https://zmage2.example.com" in rendered  # ordinary outputs still show
