package io.istiocni.iptables;

/** What {@link RuleApplier#apply} did. */
public enum ApplyOutcome {
    /** The rules were loaded (the namespace had no Istio rules, or {@code --force-apply}). */
    APPLIED,
    /** The wanted rules were already in place; no rule was changed. */
    ALREADY_IN_PLACE,
    /** Existing rules differed; they were cleaned up and the wanted rules loaded ({@code --reconcile}). */
    RECONCILED,
    /** {@code --cleanup-only}: the rules of this configuration were removed; nothing was loaded. */
    CLEANED_UP
}
