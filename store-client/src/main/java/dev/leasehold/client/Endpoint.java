package dev.leasehold.client;

import java.util.ArrayList;
import java.util.List;

/**
 * The gRPC address of one store node, written {@code host:port} (an IPv6 host in brackets: {@code [::1]:7001}).
 *
 * @param host a host name or IP address, never empty
 * @param port 1 to 65535
 */
public record Endpoint(String host, int port) {

    /** Checks the parts. */
    public Endpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("endpoint host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("endpoint port must be 1-65535, was " + port);
        }
    }

    /**
     * Reads one {@code host:port}.
     *
     * @throws IllegalArgumentException with a message that quotes the text, if it is not {@code host:port}
     */
    public static Endpoint parse(String text) {
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not host:port");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + text + "' is not host:port (write an IPv6 host in brackets)");
        }
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("'" + text + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port of '" + text + "' is not a number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the port of '" + text + "' must be 1-65535");
        }
        return new Endpoint(host, port);
    }

    /**
     * Reads a comma-separated list such as {@code 127.0.0.1:7001,127.0.0.1:7002}.
     *
     * @throws IllegalArgumentException if the list is empty or an entry is not {@code host:port}
     */
    public static List<Endpoint> parseList(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no endpoints given: expected host:port,host:port,...");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty entry in '" + text + "': expected host:port,host:port,...");
            }
            Endpoint e = parse(part);
            if (endpoints.contains(e)) {
                throw new IllegalArgumentException(e + " is listed twice in '" + text + "'");
            }
            endpoints.add(e);
        }
        return List.copyOf(endpoints);
    }

    /** Joins endpoints the way {@link #parseList} reads them. */
    public static String join(List<Endpoint> endpoints) {
        return String.join(",", endpoints.stream().map(Endpoint::toString).toList());
    }

    /** {@code host:port}, with an IPv6 host in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
