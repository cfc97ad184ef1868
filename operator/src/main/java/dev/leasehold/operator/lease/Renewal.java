package dev.leasehold.operator.lease;

/** Who keeps a claim's store session alive. */
public enum Renewal {
    /** The holder bumps {@link Lease#RENEW_ANNOTATION}; the operator sends one keep-alive per bump. */
    Kubernetes,
    /** The holder keeps the session alive over the store's gRPC API; the API server sees no renewal. */
    Direct
}
