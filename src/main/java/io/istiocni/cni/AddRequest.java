package io.istiocni.cni;

import io.istiocni.rules.IpAddress;
import java.util.List;
import java.util.Map;

/**
 * What ADD and CHECK hand to the {@link PodHandler}.
 *
 * @param conf         the parsed network configuration
 * @param prevResult   the parsed {@code prevResult}, null when the configuration has none
 * @param podName      {@code K8S_POD_NAME} from {@code CNI_ARGS}, "" when absent
 * @param podNamespace {@code K8S_POD_NAMESPACE} from {@code CNI_ARGS}, "" when absent
 * @param netns        {@code CNI_NETNS}
 * @param containerId  {@code CNI_CONTAINERID}
 * @param ifName       {@code CNI_IFNAME}
 * @param args         all of {@code CNI_ARGS}
 * @param env          the process environment (for the settings plugin.md 7.8 takes from it)
 */
public record AddRequest(NetConf conf, CniResult prevResult, String podName, String podNamespace, String netns,
        String containerId, String ifName, CniArgs args, Map<String, String> env) {

    public boolean hasPrevResult() {
        return prevResult != null;
    }

    /**
     * The addresses of the {@code prevResult} ({@code ips[].address}, or {@code ip4.ip}/{@code ip6.ip}), in order;
     * empty without a {@code prevResult} (then the namespace's interfaces decide the IP family, plugin.md 7.9).
     */
    public List<IpAddress> prevResultAddresses() {
        return prevResult == null ? List.of() : prevResult.addresses();
    }
}
