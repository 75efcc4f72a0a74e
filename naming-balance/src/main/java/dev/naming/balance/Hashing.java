package dev.naming.balance;

/**
 * The hash functions of consistent hashing. They are part of the routing contract: every gateway
 * process, whatever its version, must send a key to the same instance, so none of them may change
 * (a test pins their outputs), and the one transcendental function is {@link StrictMath}'s, whose
 * results are the same on every JVM.
 */
final class Hashing {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Hashing() {
    }

    /** SplitMix64's finalizer: every input bit reaches every output bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * FNV-1a over the UTF-16 units of {@code s}, mixed: 64 bits, so that two instance ids practically
     * never tie (a tie would give two instances the same preferences everywhere).
     */
    static long stableHash(String s) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001B3L;
        }
        return mix(h);
    }

    /** The draw of an instance whose id hashes to {@code idHash} for slot {@code slot}: higher wins. */
    static long draw(long idHash, int slot) {
        return mix(idHash + (slot + 1L) * GOLDEN_GAMMA);
    }

    /**
     * The cost of a draw for an instance of weight {@code weight}: {@code -ln(u) / weight} for the
     * draw's uniform {@code u} in (0, 1). The lowest cost wins; an instance of twice the weight then wins
     * twice as many slots (weighted rendezvous hashing's logarithmic method). Between equal weights
     * the order of the costs is the order of the draws, so the logarithm is only taken when weights differ.
     */
    static double cost(long draw, long weight) {
        double u = ((draw >>> 11) + 0.5) * 0x1.0p-53;
        return -StrictMath.log(u) / weight;
    }
}
