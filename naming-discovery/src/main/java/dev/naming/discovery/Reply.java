package dev.naming.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * A discovery reply envelope: {@code {"code":N,"message":"N","ttl":1,"data":…,"error":…}}.
 *
 * @param code  0 ok, -304 not modified, -400 bad parameter, -404 not found, -500 server error
 * @param data  {@code data}, or a missing node when absent or null
 * @param error {@code error} (polls: {@code {"-404":[appids]}}), or a missing node
 */
record Reply(int code, JsonNode data, JsonNode error) {

    static final int OK = 0;
    static final int NOT_MODIFIED = -304;
    static final int BAD_REQUEST = -400;
    static final int NOT_FOUND = -404;
    static final int SERVER_ERROR = -500;

    Reply {
        data = data == null || data.isNull() ? MissingNode.getInstance() : data;
        error = error == null || error.isNull() ? MissingNode.getInstance() : error;
    }
}
