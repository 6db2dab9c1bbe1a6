package io.istiocni.cni;

import io.istiocni.rules.GoQuote;
import java.util.List;

/** Go's {@code %q} and {@code %v} renderings that appear in the CNI library's messages. */
final class GoText {

    private GoText() {
    }

    /** Go's {@code %q} of a string (see {@link GoQuote}). */
    static String quote(String s) {
        return GoQuote.quote(s);
    }

    /** Go's {@code %q} of a {@code []string}: {@code ["a" "b"]}. */
    static String quoteList(List<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(quote(items.get(i)));
        }
        return sb.append(']').toString();
    }

    /** Go's {@code %v} of a {@code []string}: {@code [a b]}. */
    static String list(List<String> items) {
        return "[" + String.join(" ", items) + "]";
    }

    /** A throwable as one short line: its simple class name and message. */
    static String describe(Throwable t) {
        String msg = t.getMessage();
        String name = t.getClass().getSimpleName();
        String text = msg == null || msg.isBlank() ? name : name + ": " + msg;
        return oneLine(text);
    }

    /** Line breaks (and the white space around them) become single spaces. */
    static String oneLine(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                while (sb.length() > 0 && (sb.charAt(sb.length() - 1) == ' ' || sb.charAt(sb.length() - 1) == '\t')) {
                    sb.setLength(sb.length() - 1);
                }
                pendingSpace = sb.length() > 0;
                continue;
            }
            if (pendingSpace) {
                if (c == ' ' || c == '\t') {
                    continue;
                }
                sb.append(' ');
                pendingSpace = false;
            }
            sb.append(c);
        }
        return sb.toString().strip();
    }
}
