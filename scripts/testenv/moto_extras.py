"""CloudFormation resource types that moto's CloudFormation does not parse, for the deployed-stack
tests: each one is created through moto's own service backend, the one the service's API uses, so
that what a deploy makes can be read back as from AWS (an alias through GetAlias, the HTTP API's
route through GetRoutes, an alarm through DescribeAlarms). Without them moto skips the resource
and every Ref to it resolves to nothing.

Loaded by moto_server.py before the server starts. Nothing here is moto's: it is kubemend's test
environment, written against moto's backends (pinned with moto in scripts/testenv/moto.sh).
"""

from __future__ import annotations

from typing import Any

from moto.apigatewayv2.models import apigatewayv2_backends
from moto.awslambda.models import lambda_backends
from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat, cloudwatch_backends
from moto.codedeploy.models import codedeploy_backends
from moto.core.common_models import CloudFormationModel

# moto files every model under the second part of its module's name (`moto.<service>.models`).
__name__ = "kubemend.cloudformation_extras"


class _Extra:
    """Common parts: a physical ID for Ref, attributes for GetAtt, replace on update. Each model
    subclasses CloudFormationModel directly too: moto finds models by its direct subclasses."""

    def __init__(self, physical_id: str, attributes: dict[str, Any] | None = None):
        self._physical_id = physical_id
        self._attributes = attributes or {}

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self._attributes.get(attribute_name, self._physical_id)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        return None

    def delete(self, account_id: str, region_name: str) -> None:
        return None


class LambdaVersion(_Extra, CloudFormationModel):
    """In place of moto's own, which gives neither Ref (the version's ARN) nor GetAtt Version."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Version"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> LambdaVersion:
        properties = cloudformation_json["Properties"]
        published = lambda_backends[account_id][region_name].publish_version(
            properties["FunctionName"], description=properties.get("Description", "")
        )
        return cls(published.function_arn, {"Version": str(published.version)})


class LambdaAlias(_Extra, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Alias"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> LambdaAlias:
        properties = cloudformation_json["Properties"]
        function = properties["FunctionName"]
        backend = lambda_backends[account_id][region_name]
        alias = backend.create_alias(
            name=properties["Name"],
            function_name=function,
            function_version=str(properties["FunctionVersion"]),
            description=properties.get("Description", ""),
            routing_config=properties.get("RoutingConfig"),
        )
        created = cls(alias.arn)
        created._function = function
        created._name = properties["Name"]
        return created

    def delete(self, account_id: str, region_name: str) -> None:
        lambda_backends[account_id][region_name].delete_alias(self._name, self._function)


class HttpApi(_Extra, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Api"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> HttpApi:
        properties = cloudformation_json["Properties"]
        api = apigatewayv2_backends[account_id][region_name].create_api(
            api_key_selection_expression=properties.get("ApiKeySelectionExpression"),
            cors_configuration=properties.get("CorsConfiguration"),
            description=properties.get("Description"),
            disable_schema_validation=properties.get("DisableSchemaValidation"),
            disable_execute_api_endpoint=properties.get("DisableExecuteApiEndpoint"),
            name=properties["Name"],
            protocol_type=properties["ProtocolType"],
            route_selection_expression=properties.get("RouteSelectionExpression"),
            tags=properties.get("Tags", {}),
            version=properties.get("Version"),
        )
        return cls(api.api_id, {"ApiEndpoint": api.api_endpoint, "ApiId": api.api_id})

    def delete(self, account_id: str, region_name: str) -> None:
        apigatewayv2_backends[account_id][region_name].delete_api(self._physical_id)


class HttpApiIntegration(_Extra, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Integration"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> HttpApiIntegration:
        p = cloudformation_json["Properties"]
        integration = apigatewayv2_backends[account_id][region_name].create_integration(
            api_id=p["ApiId"],
            connection_id=p.get("ConnectionId"),
            connection_type=p.get("ConnectionType"),
            content_handling_strategy=p.get("ContentHandlingStrategy"),
            credentials_arn=p.get("CredentialsArn"),
            description=p.get("Description"),
            integration_method=p.get("IntegrationMethod"),
            integration_subtype=p.get("IntegrationSubtype"),
            integration_type=p["IntegrationType"],
            integration_uri=p.get("IntegrationUri"),
            passthrough_behavior=p.get("PassthroughBehavior"),
            payload_format_version=p.get("PayloadFormatVersion"),
            request_parameters=p.get("RequestParameters"),
            request_templates=p.get("RequestTemplates"),
            response_parameters=p.get("ResponseParameters"),
            template_selection_expression=p.get("TemplateSelectionExpression"),
            timeout_in_millis=p.get("TimeoutInMillis"),
            tls_config=p.get("TlsConfig"),
        )
        return cls(integration.id)


class HttpApiRoute(_Extra, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Route"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> HttpApiRoute:
        p = cloudformation_json["Properties"]
        route = apigatewayv2_backends[account_id][region_name].create_route(
            api_id=p["ApiId"],
            api_key_required=p.get("ApiKeyRequired", False),
            authorization_scopes=p.get("AuthorizationScopes", []),
            authorization_type=p.get("AuthorizationType"),
            authorizer_id=p.get("AuthorizerId"),
            model_selection_expression=p.get("ModelSelectionExpression"),
            operation_name=p.get("OperationName"),
            request_models=p.get("RequestModels"),
            request_parameters=p.get("RequestParameters"),
            route_key=p["RouteKey"],
            route_response_selection_expression=p.get("RouteResponseSelectionExpression"),
            target=p.get("Target"),
        )
        return cls(route.route_id)


class HttpApiStage(_Extra, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Stage"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> HttpApiStage:
        p = cloudformation_json["Properties"]
        api = apigatewayv2_backends[account_id][region_name].get_api(p["ApiId"])
        config = {key[0].lower() + key[1:]: value for key, value in p.items() if key != "ApiId"}
        stage = api.create_stage(config)
        return cls(stage.name)


class MetricAlarm(_Extra, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> MetricAlarm:
        p = cloudformation_json["Properties"]
        name = p.get("AlarmName", resource_name)
        queries = [
            MetricDataQuery(
                query_id=query.get("Id"),
                label=query.get("Label"),
                period=query.get("Period"),
                return_data=query.get("ReturnData"),
                expression=query.get("Expression"),
                metric_stat=None
                if "MetricStat" not in query
                else MetricStat(
                    metric=Metric(
                        metric_name=query["MetricStat"]["Metric"]["MetricName"],
                        namespace=query["MetricStat"]["Metric"]["Namespace"],
                        dimensions=[
                            Dimension(d["Name"], d["Value"]) for d in query["MetricStat"]["Metric"].get("Dimensions", [])
                        ],
                    ),
                    period=query["MetricStat"].get("Period"),
                    stat=query["MetricStat"].get("Stat"),
                    unit=query["MetricStat"].get("Unit"),
                ),
            )
            for query in p.get("Metrics", [])
        ]
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            metric_data_queries=queries or None,
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=p["EvaluationPeriods"],
            datapoints_to_alarm=p.get("DatapointsToAlarm"),
            period=p.get("Period"),
            threshold=p.get("Threshold"),
            statistic=p.get("Statistic"),
            extended_statistic=p.get("ExtendedStatistic"),
            description=p.get("AlarmDescription"),
            dimensions=p.get("Dimensions", []),
            alarm_actions=p.get("AlarmActions", []),
            ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []),
            unit=p.get("Unit"),
            actions_enabled=p.get("ActionsEnabled", True),
            treat_missing_data=p.get("TreatMissingData"),
        )
        return cls(name, {"Arn": alarm.alarm_arn})

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self._physical_id])


class CodeDeployApplication(_Extra, CloudFormationModel):
    """Recorded in moto's CodeDeploy: its deployments (a canary shifting an alias) are not run."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeDeploy::Application"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> CodeDeployApplication:
        p = cloudformation_json["Properties"]
        name = p.get("ApplicationName", resource_name)
        codedeploy_backends[account_id][region_name].create_application(name, p.get("ComputePlatform", "Lambda"), [])
        return cls(name)


class CodeDeployDeploymentGroup(_Extra, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeDeploy::DeploymentGroup"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> CodeDeployDeploymentGroup:
        p = cloudformation_json["Properties"]
        name = p.get("DeploymentGroupName", resource_name)
        codedeploy_backends[account_id][region_name].create_deployment_group(
            application_name=p["ApplicationName"],
            deployment_group_name=name,
            deployment_config_name=p.get("DeploymentConfigName"),
            ec2_tag_filters=None,
            on_premises_instance_tag_filters=None,
            auto_scaling_groups=None,
            service_role_arn=p["ServiceRoleArn"],
            deployment_style=p.get("DeploymentStyle"),
        )
        return cls(name)


class BucketPolicy(_Extra, CloudFormationModel):
    """Kept here, not put on the bucket: moto's bucket policies ignore conditions, so the
    deployment bucket's deny-without-TLS statement would deny every request to the bucket."""

    POLICIES: dict[str, Any] = {}

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> BucketPolicy:
        p = cloudformation_json["Properties"]
        cls.POLICIES[p["Bucket"]] = p["PolicyDocument"]
        return cls(p["Bucket"])
