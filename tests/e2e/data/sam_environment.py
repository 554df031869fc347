"""Run with SAM CLI's own Python: what ``sam local`` gives each function of a template (name, memory, variables).

``python sam_environment.py TEMPLATE REGION '{"Param": "value"}' ENV_VARS_FILE`` prints JSON; the e2e test
compares it with what the emulator's functions see (tests/e2e/service/test_user_template.py).
"""

import json
import sys
import types
from pathlib import Path

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

template, region, overrides, env_file = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
stacks, _ = SamLocalStackProvider.get_stacks(
    template, parameter_overrides=overrides, global_parameter_overrides={"AWS::Region": region}
)
env_vars = json.loads(Path(env_file).read_text())
runner = types.SimpleNamespace(env_vars_values=env_vars, get_aws_creds=dict, is_debugging=lambda: False)
out = {}
for function in SamFunctionProvider(stacks).get_all():
    declared = (function.environment or {}).get("Variables") or {}
    env = LocalLambdaRunner._make_env_vars(runner, function).resolve()  # what `sam local` hands the container
    out[function.name] = {
        "function_name": function.functionname,
        "memory": function.memory,
        "environment": {name: env[name] for name in declared if name in env},
    }
print(json.dumps(out))
