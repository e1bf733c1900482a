"""AwsApp hands the network and AppDataRefs to the compute layer when it exists, and takes its URL."""

from __future__ import annotations

from appstack.components.aws.contracts import AppDataRefs, NetworkRefs

from .helpers import SECRET


def test_compute_receives_the_spec_settings_network_and_data(captured):
    assert sorted(captured.args) == ["elizabeth", "zmage"]
    args = captured.args["zmage"]
    assert args.spec.name == "zmage" and args.settings.tier == "dev" and args.stack == "test"
    assert isinstance(args.network, NetworkRefs) and isinstance(args.data, AppDataRefs)
    assert args.network.availability_zones == ["us-east-1a", "us-east-1b"]
    assert captured.values["zmage:workload_sg"] == "zmage-workloads-id"
    assert captured.values["zmage:vpc"] == "aws-id"
    (app,) = [r for r in captured.synthesis.by_type("test:compute:AppCompute") if r.name == "zmage"]
    assert app.parent.endswith("appstack:aws:App::zmage")


def test_binding_values_cover_every_attribute_the_spec_offers(captured):
    from appstack.spec import available_attributes

    for name, args in captured.args.items():
        offered = set(available_attributes(args.spec))
        bound = {k.split(":", 2)[2] for k in captured.values if k.startswith(f"{name}:binding:")}
        assert bound == offered, name
    assert captured.values["zmage:binding:redis.tls"] == "true"
    # the same name the compute layer registers in Cloud Map (appstack.components.aws.contracts.namespace_name)
    assert captured.values["zmage:binding:services.web.address"] == "web.zmage.test.internal:3000"


def test_secret_attributes_and_only_they_are_pulumi_secrets(captured):
    from appstack.spec import available_attributes

    for name, args in captured.args.items():
        recorded = captured.synthesis.named(f"{name}-bindings", "test:compute:Bindings").inputs["values"]
        for ref, attribute in available_attributes(args.spec).items():
            assert (repr(recorded[ref]) == "[secret]") is attribute.secret, (name, ref)


def test_without_the_compute_module_the_app_has_no_url_and_only_its_data_layer(dev):
    assert dev.by_type("test:compute:AppCompute") == []
    assert len(dev.by_type(SECRET)) > 0


def test_the_compute_stand_in_has_the_real_fields():
    from dataclasses import fields

    from appstack.components.aws.compute import AppComputeArgs as Real

    from .conftest import AppComputeArgs as StandIn

    assert [f.name for f in fields(StandIn)] == [f.name for f in fields(Real)]
