package io.istiocni.rules;

/** Address family a rule list is built for. */
public enum Family {
    IPV4, IPV6
}
