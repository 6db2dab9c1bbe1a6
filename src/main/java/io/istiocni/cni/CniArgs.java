package io.istiocni.cni;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code CNI_ARGS} as the CNI library's {@code LoadArgs} reads it into Istio's {@code K8sArgs} (plugin.md 7.1).
 * Values are taken as they are; a repeated key keeps its last value; absent keys are "".
 */
public record CniArgs(String podName, String podNamespace, String podInfraContainerId, String podUid,
        boolean ignoreUnknown) {

    /** No pairs. */
    public static final CniArgs EMPTY = new CniArgs("", "", "", "", false);

    /**
     * Parses {@code K=V;K=V}.
     *
     * @throws IllegalArgumentException with the library's message ({@code ARGS: invalid pair "<pair>"}, ...)
     */
    public static CniArgs parse(String args) {
        if (args == null || args.isEmpty()) {
            return EMPTY;
        }
        String name = "";
        String namespace = "";
        String infra = "";
        String uid = "";
        boolean ignore = false;
        List<String> unknown = new ArrayList<>();
        int start = 0;
        while (start <= args.length()) {
            int end = args.indexOf(';', start);
            if (end < 0) {
                end = args.length();
            }
            String pair = args.substring(start, end);
            start = end + 1;
            int eq = pair.indexOf('=');
            if (eq < 0 || pair.indexOf('=', eq + 1) >= 0) {
                throw new IllegalArgumentException("ARGS: invalid pair " + GoText.quote(pair));
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            switch (key) {
                case "K8S_POD_NAME" -> name = value;
                case "K8S_POD_NAMESPACE" -> namespace = value;
                case "K8S_POD_INFRA_CONTAINER_ID" -> infra = value;
                case "K8S_POD_UID" -> uid = value;
                case "IgnoreUnknown" -> {
                    String v = value.toLowerCase(Locale.ROOT);
                    switch (v) {
                        case "1", "true" -> ignore = true;
                        case "0", "false" -> ignore = false;
                        default -> throw new IllegalArgumentException("ARGS: error parsing value of pair "
                                + GoText.quote(pair) + ": boolean unmarshal error: invalid input " + v);
                    }
                }
                // the embedded struct's own name is a field too, but not one that takes a value
                case "CommonArgs" -> throw new IllegalArgumentException("ARGS: cannot unmarshal into field "
                        + "'CommonArgs' - type '*types.CommonArgs' does not implement encoding.TextUnmarshaler");
                default -> unknown.add(pair);
            }
        }
        if (!unknown.isEmpty() && !ignore) {
            throw new IllegalArgumentException("ARGS: unknown args " + GoText.quoteList(unknown));
        }
        return new CniArgs(name, namespace, infra, uid, ignore);
    }

    /** {@link #parse} with its failure as error 999 {@code failed to load args: <reason>}. */
    public static CniArgs load(String args) throws CniException {
        try {
            return parse(args);
        } catch (IllegalArgumentException e) {
            throw CniException.internal("failed to load args: " + e.getMessage());
        }
    }
}
