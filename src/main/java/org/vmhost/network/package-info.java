/**
 * The virtual network that the host provides to its guests: Linux bridges, tap devices, NAT with DHCP
 * (Debian's dnsmasq, masquerading through nftables), isolated bridges, and MAC addresses under Xen's
 * prefix 00:16:3e. It knows nothing of QEMU: the lifecycle asks {@link org.vmhost.network.HostNetwork}
 * for a tap per vif before launch and gives it back in teardown; the QEMU package is told only the tap's
 * name.
 *
 * <p>Networks are kept in {@code $VMHOST_HOME/networks.json}, written atomically; see docs/network.md.
 */
package org.vmhost.network;
