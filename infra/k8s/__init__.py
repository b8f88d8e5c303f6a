"""Kubernetes manifests of Loreline (`base/`, applied with `kubectl apply -k`) and their offline
schema validation (`python -m infra.k8s.validate`)."""
