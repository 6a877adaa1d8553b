"""Target group, listener rule and alias record."""

from __future__ import annotations

from dixie_infra.offline import Evaluation

LISTENER = "arn:aws:elasticloadbalancing:us-east-1:891376933289:listener/app/arrakis-staging-alb/0d434b50265789c1/e6ff22557f66633c"


def test_target_group_checks_api_health_on_ip_targets(armitage: Evaluation) -> None:
    p = armitage.one("aws:lb/targetGroup:TargetGroup").plain
    assert (p["name"], p["port"], p["protocol"], p["targetType"], p["vpcId"]) == (
        "dixie-armitage",
        3001,
        "HTTP",
        "ip",
        "vpc-0d08ce69dba7485da",
    )
    check = p["healthCheck"]
    assert (check["path"], check["matcher"], check["unhealthyThreshold"]) == ("/api/health", "200", 3)


# What /api/health may take, from the app's source: Finn (proxy/finn-client.ts, timeoutMs 5_000),
# then PostgreSQL (db/client.ts, connectionTimeoutMillis 5_000), then a Redis PING, one after another.
HEALTH_ENDPOINT_WORST_CASE = 5 + 5
TASK_START = 45


def test_alb_health_check_outlasts_the_health_endpoints_worst_case(each_stack: Evaluation) -> None:
    check = each_stack.one("aws:lb/targetGroup:TargetGroup").plain["healthCheck"]
    # At or below the worst case, a hanging Finn makes a live Dixie "unhealthy".
    assert check["timeout"] > HEALTH_ENDPOINT_WORST_CASE
    assert check["interval"] > check["timeout"]


def test_a_deploy_is_an_outage_of_at_most_80_seconds(each_stack: Evaluation) -> None:
    # Stop-before-start: drain the old target, start the new task, pass `healthy` checks.
    p = each_stack.one("aws:lb/targetGroup:TargetGroup").plain
    check = p["healthCheck"]
    downtime = p["deregistrationDelay"] + TASK_START + check["healthyThreshold"] * check["interval"]
    assert downtime <= 80, downtime


def test_target_group_names_fit_aws_limit(each_stack: Evaluation) -> None:
    name = each_stack.one("aws:lb/targetGroup:TargetGroup").plain["name"]
    assert len(name) <= 32


def test_listener_rule_routes_the_hostname_at_its_priority(
    armitage: Evaluation, production: Evaluation
) -> None:
    rule = armitage.one("aws:lb/listenerRule:ListenerRule").plain
    assert (rule["listenerArn"], rule["priority"]) == (LISTENER, 220)
    assert rule["conditions"] == [{"hostHeader": {"values": ["dixie-armitage.arrakis.community"]}}]
    target_group = armitage.one("aws:lb/targetGroup:TargetGroup").outputs["arn"]
    assert rule["actions"] == [{"type": "forward", "targetGroupArn": target_group}]
    assert production.one("aws:lb/listenerRule:ListenerRule").plain["priority"] == 200
    assert production.one("aws:lb/listenerRule:ListenerRule").plain["conditions"] == [
        {"hostHeader": {"values": ["dixie.thj.dev"]}}
    ]


def test_dns_record_is_an_alias_to_the_alb(armitage: Evaluation) -> None:
    p = armitage.one("aws:route53/record:Record").plain
    assert (p["zoneId"], p["name"], p["type"]) == (
        "Z01194812Z6NUWBWMFB7T",
        "dixie-armitage.arrakis.community",
        "A",
    )
    assert p["aliases"] == [
        {
            "name": "arrakis-staging-alb-616899391.us-east-1.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",
            "evaluateTargetHealth": True,
        }
    ]
    assert "records" not in p
