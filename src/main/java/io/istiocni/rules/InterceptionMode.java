package io.istiocni.rules;

/** Inbound interception mode ({@code -m}). */
public enum InterceptionMode {
    REDIRECT, TPROXY
}
