package dev.naming.discovery;

import dev.naming.spi.RegistryUnreachableException;

/**
 * A discovery node could not serve a request: transport error, HTTP status other than 200, a reply
 * over a limit or not complete by its deadline, a body that is not the JSON envelope, protect mode
 * (-500) or a code the call does not expect. The caller keeps what it knows, moves to the next
 * node and backs off. For the shared machinery it is the registry failing, not refusing: what
 * another node or a later try may cure.
 */
final class NodeFailure extends RegistryUnreachableException {

    private static final long serialVersionUID = 1L;

    NodeFailure(String message) {
        super(message);
    }

    NodeFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
