// The Content-Type of a gRPC-Web call: binary or base64 text, and its codec.
package dev.sluice.http;

import java.util.Locale;

/**
 * {@code application/grpc-web} or {@code application/grpc-web-text}, each with an optional
 * {@code +codec} ({@code +proto}, {@code +json}) and parameters, per gRPC's PROTOCOL-WEB.md. Read
 * where the exchange begins (its refusals) and where the proxy translates the call.
 *
 * @param text whether the body is base64 ({@code -text})
 * @param codec the codec suffix with its {@code +}, lower case, or empty
 */
public record GrpcWebType(boolean text, String codec)
{
    private static final String WEB = "application/grpc-web";
    private static final String WEB_TEXT = "application/grpc-web-text";

    /** The call's type when {@code contentType} is a gRPC-Web one; else null. */
    public static GrpcWebType of(String contentType)
    {
        if (contentType == null || !contentType.regionMatches(true, 0, WEB, 0, WEB.length()))
        {
            return null;
        }
        boolean text = contentType.regionMatches(true, 0, WEB_TEXT, 0, WEB_TEXT.length());
        int at = text ? WEB_TEXT.length() : WEB.length();
        int end = contentType.indexOf(';');
        String rest = (end < 0 ? contentType.substring(at) : contentType.substring(at, end)).trim();
        if (!rest.isEmpty() && (rest.charAt(0) != '+' || rest.length() == 1 || rest.length() > 32 || !rest.substring(1).chars().allMatch(GrpcWebType::codecChar)))
        {
            return null;
        }
        return new GrpcWebType(text, rest.toLowerCase(Locale.ROOT));
    }

    private static boolean codecChar(int c)
    {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_';
    }

    /** The type for an answer in this call's form with the given codec ({@code +proto}, or empty). */
    public String withCodec(String codec)
    {
        return (text ? WEB_TEXT : WEB) + codec;
    }
}
