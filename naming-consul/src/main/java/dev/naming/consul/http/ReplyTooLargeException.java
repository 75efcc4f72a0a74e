package dev.naming.consul.http;

import java.io.IOException;

/** A reply's body was over the {@code maxReply} limit: it was not read on. */
public final class ReplyTooLargeException extends IOException {

    private static final long serialVersionUID = 1L;

    ReplyTooLargeException(String message) {
        super(message);
    }
}
