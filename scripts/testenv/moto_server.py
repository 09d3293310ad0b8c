"""moto's server with kubemend's extra CloudFormation resource types (moto_extras.py) registered
first: `python moto_server.py -H 127.0.0.1 -p PORT`, the same arguments as moto_server."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import moto_extras  # noqa: E402,F401  (registers the CloudFormation models)
from moto.server import main  # noqa: E402
import functools  # noqa: E402
import inspect  # noqa: E402
import threading  # noqa: E402

from moto.cloudformation.models import ChangeSet  # noqa: E402
from moto.dynamodb.models import DynamoDBBackend  # noqa: E402
from moto.iam.exceptions import NoSuchEntity  # noqa: E402
from moto.iam.models import IAMBackend  # noqa: E402
from moto.sqs.models import Queue  # noqa: E402
from moto.utilities.docker_utilities import DockerModel  # noqa: E402

# moto would run a queue's event source mappings itself, invoking the function in Docker at each
# send. The tests' Lambda driver (tests/testenv/lambda-driver.ts) plays them instead, from the
# mappings the deploy made: a queue here has none of its own to act on.
Queue.lambda_event_source_mappings = property(lambda self: {}, lambda self, value: None)


# There is no Docker engine, and nothing here runs a function in one. Asked for a client, a
# function says it has none (AttributeError), which moto's state dump (/moto-api/data.json, where
# the cluster's token webhook reads the credentials STS issued) skips, instead of failing whole.
def _no_docker(self):
    raise AttributeError("no Docker engine: the tests' Lambda driver runs the functions")


DockerModel.docker_client = property(_no_docker)

# A change set moto executes updates the stack's resources but not its template or outputs, so a
# stack the Framework deploys (a change set on an empty stack) would report no Outputs; AWS
# reports those of the template the change set applied.
_apply_change_set = ChangeSet.apply


def _apply_with_outputs(self):
    _apply_change_set(self)
    self.stack.template = self.template
    self.stack._parse_template()
    self.stack.output_map = self.stack._create_output_map()


ChangeSet.apply = _apply_with_outputs


# IAM refuses a role whose permissions boundary is not a policy that exists; moto checks only the
# ARN's form, and a stack whose boundary was never deployed would deploy here and fail in AWS.
_create_role = IAMBackend.create_role
_create_role_signature = inspect.signature(_create_role)


def _create_role_with_existing_boundary(self, *args, **kwargs):
    boundary = _create_role_signature.bind(self, *args, **kwargs).arguments.get("permissions_boundary")
    if boundary and ":iam::aws:policy/" not in boundary and boundary not in self.managed_policies:
        raise NoSuchEntity(f"Scope ARN: {boundary} does not exist or is not attachable.")
    return _create_role(self, *args, **kwargs)


IAMBackend.create_role = _create_role_with_existing_boundary


# DynamoDB applies a conditional write atomically: of many racing writers with the same condition,
# one wins. moto's server answers requests on threads and checks a condition, then writes, with
# no lock between, so two racing writers could both win (seen: 2 of 300 rounds of 8 writers).
# One lock around every write makes the emulator keep DynamoDB's promise.
_dynamodb_writes = threading.RLock()


def _serialised(write):
    @functools.wraps(write)
    def locked(self, *args, **kwargs):
        with _dynamodb_writes:
            return write(self, *args, **kwargs)

    return locked


for _name in ("put_item", "update_item", "delete_item", "transact_write_items"):
    setattr(DynamoDBBackend, _name, _serialised(getattr(DynamoDBBackend, _name)))


if __name__ == "__main__":
    sys.exit(main())
