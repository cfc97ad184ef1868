package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One run of a probe against a Pod's address, as a kubelet does it: a TCP connect, an HTTP GET that answers 200 to
 * 399, or a gRPC health check that answers SERVING, within the probe's timeout. Exec probes are not supported (a
 * process has no container to run them in) and fail with a message saying so.
 */
final class ProbeCheck {

    /** The outcome, with what a failure event would say. */
    record Result(boolean success, String message) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ProbeCheck() {
    }

    static Result run(Probe probe, Container container, String podIp) {
        Duration timeout = Duration.ofSeconds(Math.max(1, Objects.requireNonNullElse(probe.getTimeoutSeconds(), 1)));
        try {
            if (probe.getTcpSocket() != null) {
                int port = port(probe.getTcpSocket().getPort(), container);
                String host = hostOr(probe.getTcpSocket().getHost(), podIp);
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
                }
                return new Result(true, "");
            }
            if (probe.getHttpGet() != null) {
                var get = probe.getHttpGet();
                String scheme = Objects.requireNonNullElse(get.getScheme(), "HTTP").toLowerCase();
                String path = Objects.requireNonNullElse(get.getPath(), "/");
                URI uri = URI.create(scheme + "://" + hostOr(get.getHost(), podIp) + ":"
                        + port(get.getPort(), container) + (path.startsWith("/") ? path : "/" + path));
                HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
                Objects.requireNonNullElse(get.getHttpHeaders(), List.<io.fabric8.kubernetes.api.model.HTTPHeader>of())
                        .forEach(h -> request.header(h.getName(), h.getValue()));
                int code = HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                return code >= 200 && code < 400 ? new Result(true, "")
                        : new Result(false, "HTTP probe failed with statuscode: " + code);
            }
            if (probe.getGrpc() != null) {
                return grpc(podIp, probe.getGrpc().getPort(), Objects.requireNonNullElse(probe.getGrpc().getService(),
                        ""), timeout);
            }
            return new Result(false, "exec probes are not supported by the local node");
        } catch (IOException e) {
            return new Result(false, "probe failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        } catch (IllegalArgumentException e) {
            return new Result(false, e.getMessage());
        }
    }

    private static Result grpc(String podIp, int port, String service, Duration timeout) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(podIp, port).usePlaintext().build();
        try {
            HealthCheckResponse.ServingStatus status = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
            return status == HealthCheckResponse.ServingStatus.SERVING ? new Result(true, "")
                    : new Result(false, "gRPC health check answered " + status);
        } catch (StatusRuntimeException e) {
            return new Result(false, "gRPC health check failed: " + e.getStatus());
        } finally {
            channel.shutdownNow();
        }
    }

    private static String hostOr(String host, String podIp) {
        return host == null || host.isBlank() ? podIp : host;
    }

    /** A probe's port: a number, or the name of one of the container's ports. */
    static int port(IntOrString port, Container container) {
        if (port == null) {
            throw new IllegalArgumentException("the probe names no port");
        }
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return Objects.requireNonNullElse(container.getPorts(), List.<ContainerPort>of()).stream()
                .filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the container has no port named "
                        + port.getStrVal()));
    }
}
