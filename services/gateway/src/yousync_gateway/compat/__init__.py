"""The original frontend's HTTP contract under `/compat/api` (docs: shared ORIGINAL_FRONTEND_CONTRACT.md).

In the frontend's vocabulary a "token" is our script (a clip/scene) and a "script" is our token (a
line). These modules only convert: every rule lives in the services behind the gateway."""
