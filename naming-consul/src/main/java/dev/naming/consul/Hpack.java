package dev.naming.consul;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HPACK (RFC 7541) as {@link Http2Reads} needs it: requests are encoded without the dynamic table
 * (every field a literal the agent does not index, so an encoder has no state to keep in step), and
 * replies are decoded in full, Huffman strings and the dynamic table included, since the agent may
 * use both.
 */
final class Hpack {

    /** A decoded header block past this many bytes of names and values is refused. */
    static final int MAX_HEADER_LIST = 256 * 1024;
    /** The dynamic table's size: the protocol's default, which {@link Http2Reads} never changes. */
    static final int TABLE_SIZE = 4096;

    private static final String[][] STATIC = {
        {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"}, {":path", "/index.html"},
        {":scheme", "http"}, {":scheme", "https"}, {":status", "200"}, {":status", "204"}, {":status", "206"},
        {":status", "304"}, {":status", "400"}, {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
        {"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""},
        {"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""}, {"authorization", ""},
        {"cache-control", ""}, {"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""},
        {"content-length", ""}, {"content-location", ""}, {"content-range", ""}, {"content-type", ""},
        {"cookie", ""}, {"date", ""}, {"etag", ""}, {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""},
        {"if-match", ""}, {"if-modified-since", ""}, {"if-none-match", ""}, {"if-range", ""},
        {"if-unmodified-since", ""}, {"last-modified", ""}, {"link", ""}, {"location", ""}, {"max-forwards", ""},
        {"proxy-authenticate", ""}, {"proxy-authorization", ""}, {"range", ""}, {"referer", ""}, {"refresh", ""},
        {"retry-after", ""}, {"server", ""}, {"set-cookie", ""}, {"strict-transport-security", ""},
        {"transfer-encoding", ""}, {"user-agent", ""}, {"vary", ""}, {"via", ""}, {"www-authenticate", ""},
    };

    /**
     * The length in bits of each byte's Huffman code (RFC 7541 Appendix B). The code is canonical:
     * codes of one length are consecutive in byte order and follow the shorter ones, so the lengths
     * alone give every code ({@link #HUFFMAN_FIRST}); EOS is the 30-bit code of all ones.
     */
    private static final byte[] HUFFMAN_LENGTHS = {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
    };
    private static final int MAX_CODE = 30;
    /** Per code length: the first code of that length, how many codes have it, where they start in {@link #HUFFMAN_SYMBOLS}. */
    private static final int[] HUFFMAN_FIRST = new int[MAX_CODE + 1];
    private static final int[] HUFFMAN_COUNT = new int[MAX_CODE + 1];
    private static final int[] HUFFMAN_OFFSET = new int[MAX_CODE + 1];
    /** The 256 bytes ordered by code length, then by value: the order in which codes are given out. */
    private static final int[] HUFFMAN_SYMBOLS = new int[256];
    /** The code of each byte, right-aligned; used by the tests to check the table against other encoders. */
    static final int[] HUFFMAN_CODES = new int[256];

    static {
        for (byte length : HUFFMAN_LENGTHS) {
            HUFFMAN_COUNT[length]++;
        }
        int code = 0;
        int offset = 0;
        for (int length = 1; length <= MAX_CODE; length++) {
            code <<= 1;
            HUFFMAN_FIRST[length] = code;
            HUFFMAN_OFFSET[length] = offset;
            for (int symbol = 0; symbol < 256; symbol++) {
                if (HUFFMAN_LENGTHS[symbol] == length) {
                    HUFFMAN_SYMBOLS[offset++] = symbol;
                    HUFFMAN_CODES[symbol] = code++;
                }
            }
        }
    }

    private Hpack() {
    }

    /** The length in bits of the Huffman code of {@code symbol} (a byte). */
    static int huffmanLength(int symbol) {
        return HUFFMAN_LENGTHS[symbol];
    }

    /**
     * The header block of a GET: the pseudo-fields, then {@code headers}, each name in lower case
     * (HTTP/2 requires it). {@code sensitive} names (a token) are sent as never-indexed literals,
     * which tells every intermediary not to index them either.
     */
    static byte[] request(String authority, String path, Map<String, String> headers, List<String> sensitive) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + path.length());
        out.write(0x82); // :method GET, static entry 2
        out.write(0x87); // :scheme https, static entry 7
        literal(out, 0x00, 4, 1, null, authority); // :authority, static name 1
        literal(out, 0x00, 4, 4, null, path); // :path, static name 4
        literal(out, 0x00, 4, 58, null, "naming-consul"); // user-agent, static name 58
        headers.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            boolean never = sensitive.stream().anyMatch(name::equalsIgnoreCase);
            literal(out, never ? 0x10 : 0x00, 4, 0, lower, value);
        });
        return out.toByteArray();
    }

    private static void literal(ByteArrayOutputStream out, int pattern, int prefix, int nameIndex, String name,
                                String value) {
        integer(out, pattern, prefix, nameIndex);
        if (nameIndex == 0) {
            string(out, name);
        }
        string(out, value);
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        integer(out, 0x00, 7, bytes.length);
        out.write(bytes, 0, bytes.length);
    }

    /** An integer with an N-bit prefix (RFC 7541 5.1), the first byte's other bits {@code pattern}. */
    static void integer(ByteArrayOutputStream out, int pattern, int prefix, int value) {
        int max = (1 << prefix) - 1;
        if (value < max) {
            out.write(pattern | value);
            return;
        }
        out.write(pattern | max);
        value -= max;
        while (value >= 0x80) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    /**
     * Decodes the header blocks of one connection's replies, in order: the dynamic table is the
     * connection's, so every block is decoded, also those of streams nobody waits for any more.
     */
    static final class Decoder {
        /** Newest first, each {name, value}. */
        private final ArrayDeque<String[]> dynamic = new ArrayDeque<>();
        private int size;
        private int maxSize = TABLE_SIZE;

        /** The fields of {@code block}, in order, each {name, value}. */
        List<String[]> decode(byte[] block, int from, int to) throws IOException {
            List<String[]> fields = new ArrayList<>(12);
            int[] at = {from};
            int listSize = 0;
            boolean fieldSeen = false;
            while (at[0] < to) {
                int b = block[at[0]] & 0xff;
                String[] field;
                if ((b & 0x80) != 0) {
                    field = entry(integer(block, at, to, 7));
                } else if ((b & 0xc0) == 0x40) {
                    field = literal(block, at, to, 6);
                    add(field);
                } else if ((b & 0xe0) == 0x20) {
                    if (fieldSeen) {
                        throw new IOException("HPACK: a table size update after a header field");
                    }
                    int newSize = integer(block, at, to, 5);
                    if (newSize > TABLE_SIZE) {
                        throw new IOException("HPACK: table size " + newSize + " above the " + TABLE_SIZE + " allowed");
                    }
                    maxSize = newSize;
                    evict();
                    continue;
                } else {
                    // 0000xxxx without indexing, 0001xxxx never indexed: the same to a decoder
                    field = literal(block, at, to, 4);
                }
                fieldSeen = true;
                listSize += field[0].length() + field[1].length() + 32;
                if (listSize > MAX_HEADER_LIST) {
                    throw new IOException("HPACK: header list larger than " + MAX_HEADER_LIST + " bytes");
                }
                fields.add(field);
            }
            return fields;
        }

        private String[] literal(byte[] block, int[] at, int to, int prefix) throws IOException {
            int index = integer(block, at, to, prefix);
            String name = index == 0 ? string(block, at, to) : entry(index)[0];
            return new String[] {name, string(block, at, to)};
        }

        private String[] entry(int index) throws IOException {
            if (index >= 1 && index <= STATIC.length) {
                return STATIC[index - 1];
            }
            int d = index - STATIC.length - 1;
            if (index < 1 || d >= dynamic.size()) {
                throw new IOException("HPACK: no table entry " + index);
            }
            if (d == 0) {
                return dynamic.peekFirst();
            }
            int i = 0;
            for (String[] e : dynamic) {
                if (i++ == d) {
                    return e;
                }
            }
            throw new IllegalStateException();
        }

        private void add(String[] field) {
            int entrySize = field[0].length() + field[1].length() + 32;
            if (entrySize > maxSize) {
                // an entry larger than the table empties it and is not kept (RFC 7541 4.4)
                dynamic.clear();
                size = 0;
                return;
            }
            dynamic.addFirst(field);
            size += entrySize;
            evict();
        }

        private void evict() {
            while (size > maxSize) {
                String[] oldest = dynamic.removeLast();
                size -= oldest[0].length() + oldest[1].length() + 32;
            }
        }

        /** Entries in the dynamic table now; for the tests. */
        int tableLength() {
            return dynamic.size();
        }
    }

    /** An integer with an N-bit prefix at {@code at[0]}, which moves past it. */
    static int integer(byte[] b, int[] at, int to, int prefix) throws IOException {
        if (at[0] >= to) {
            throw new IOException("HPACK: block ends inside an integer");
        }
        int max = (1 << prefix) - 1;
        int value = b[at[0]++] & max;
        if (value < max) {
            return value;
        }
        long sum = value;
        for (int shift = 0; shift <= 28; shift += 7) {
            if (at[0] >= to) {
                throw new IOException("HPACK: block ends inside an integer");
            }
            int next = b[at[0]++] & 0xff;
            sum += (long) (next & 0x7f) << shift;
            if (sum > Integer.MAX_VALUE) {
                break;
            }
            if ((next & 0x80) == 0) {
                return (int) sum;
            }
        }
        throw new IOException("HPACK: integer too large");
    }

    private static String string(byte[] b, int[] at, int to) throws IOException {
        if (at[0] >= to) {
            throw new IOException("HPACK: block ends before a string");
        }
        boolean huffman = (b[at[0]] & 0x80) != 0;
        int length = integer(b, at, to, 7);
        if (length > to - at[0]) {
            throw new IOException("HPACK: string runs past the block");
        }
        int from = at[0];
        at[0] += length;
        return huffman ? huffman(b, from, from + length) : new String(b, from, length, StandardCharsets.ISO_8859_1);
    }

    /** Decodes a Huffman string bit by bit, with the canonical code's per-length tables. */
    static String huffman(byte[] b, int from, int to) throws IOException {
        byte[] out = new byte[(to - from) * 8 / 5 + 1];
        int n = 0;
        int code = 0;
        int length = 0;
        for (int i = from; i < to; i++) {
            int octet = b[i] & 0xff;
            for (int bit = 7; bit >= 0; bit--) {
                code = (code << 1) | ((octet >>> bit) & 1);
                length++;
                int k = code - HUFFMAN_FIRST[length];
                if (k >= 0 && k < HUFFMAN_COUNT[length]) {
                    out[n++] = (byte) HUFFMAN_SYMBOLS[HUFFMAN_OFFSET[length] + k];
                    code = 0;
                    length = 0;
                } else if (length == MAX_CODE) {
                    throw new IOException("HPACK: Huffman string holds EOS or an unknown code");
                }
            }
        }
        // what is left must be padding: fewer than 8 bits, all ones (the start of EOS)
        if (length > 7 || code != (1 << length) - 1) {
            throw new IOException("HPACK: bad Huffman padding");
        }
        return new String(Arrays.copyOf(out, n), StandardCharsets.ISO_8859_1);
    }
}
