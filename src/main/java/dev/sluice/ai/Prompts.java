// Shapes and checks a chat prompt before it leaves Sluice: templates, decorators, the prompt guard and redaction.
package dev.sluice.ai;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.config.ConfiguredRegex;
import dev.sluice.http.ClientText;

/**
 * Works on the parsed request, in this order: a named template ({@code "template"} and
 * {@code "variables"} in the request) becomes the first messages; the route's guard checks sizes
 * and patterns and redaction replaces what its patterns match; then the route's and the alias's
 * decorators are put around the messages (the operator's own text is not guarded). Variables are put into the template's string values, never
 * into JSON text, so a value cannot change the template's structure whatever it contains.
 */
final class Prompts
{
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.-]{1,64})\\s*}}");

    private Prompts()
    {
    }

    /** Fills the request's template, if it names one; an error for the client or null. */
    static AiErrors.Error template(ObjectNode body, Governance governance)
    {
        JsonNode templateName = body.get("template");
        JsonNode variables = body.get("variables");
        if (templateName != null || variables != null)
        {
            if (templateName == null || !templateName.isTextual())
            {
                return AiErrors.invalid("'template' must name one of the configured templates when 'variables' is given.", "template");
            }
            ArrayNode template = governance.templates().get(templateName.asText());
            if (template == null)
            {
                return AiErrors.invalid("There is no template named '" + ClientText.quoted(templateName.asText(), 64) + "'.", "template");
            }
            if (variables != null && !variables.isObject())
            {
                return AiErrors.invalid("'variables' must be an object of names to strings or numbers.", "variables");
            }
            ArrayNode filled = AnthropicTranslation.JSON.createArrayNode();
            for (JsonNode message : template)
            {
                ObjectNode copy = message.deepCopy();
                String content = copy.path("content").asText();
                Matcher matcher = PLACEHOLDER.matcher(content);
                StringBuilder out = new StringBuilder();
                while (matcher.find())
                {
                    String name = matcher.group(1);
                    JsonNode value = variables == null ? null : variables.get(name);
                    if (value == null || value.isNull())
                    {
                        return AiErrors.invalid("The template '" + templateName.asText() + "' needs the variable '" + name + "'.", "variables");
                    }
                    if (!value.isValueNode())
                    {
                        return AiErrors.invalid("The variable '" + name + "' must be a string, number or boolean.", "variables");
                    }
                    matcher.appendReplacement(out, Matcher.quoteReplacement(value.asText()));
                }
                matcher.appendTail(out);
                copy.set("content", TextNode.valueOf(out.toString()));
                filled.add(copy);
            }
            JsonNode own = body.get("messages");
            if (own != null && own.isArray())
            {
                filled.addAll((ArrayNode)own);
            }
            else if (own != null && !own.isNull())
            {
                return AiErrors.invalid("'messages' must be an array.", "messages");
            }
            body.set("messages", filled);
            body.remove("template");
            body.remove("variables");
        }
        return null;
    }

    /** Puts the route's and the alias's decorator messages around the request's (the route's outermost). */
    static void decorate(ObjectNode body, Governance governance, String route, String alias)
    {
        Governance.Decorator forRoute = governance.routeDecorators().get(route);
        Governance.Decorator forModel = governance.modelDecorators().get(alias);
        if ((forRoute != null || forModel != null) && body.path("messages").isArray())
        {
            ArrayNode decorated = AnthropicTranslation.JSON.createArrayNode();
            if (forRoute != null)
            {
                decorated.addAll(forRoute.prepend().deepCopy());
            }
            if (forModel != null)
            {
                decorated.addAll(forModel.prepend().deepCopy());
            }
            decorated.addAll((ArrayNode)body.get("messages"));
            if (forModel != null)
            {
                decorated.addAll(forModel.append().deepCopy());
            }
            if (forRoute != null)
            {
                decorated.addAll(forRoute.append().deepCopy());
            }
            body.set("messages", decorated);
        }
    }

    /** What the guard decided: an error for the client, or the number of redactions made. */
    record Checked(AiErrors.Error error, int redactions)
    {
    }

    /** Checks and redacts the messages of a chat request in place. */
    static Checked guard(ObjectNode body, Governance.PromptGuard guard)
    {
        JsonNode messages = body.path("messages");
        if (messages.size() > guard.maxMessages())
        {
            return new Checked(new AiErrors.Error(400, "invalid_request_error", "The request has " + messages.size()
                + " messages; this route takes at most " + guard.maxMessages() + ".", "messages", "prompt_too_large", 0), 0);
        }
        int redactions = 0;
        int index = 0;
        for (JsonNode message : messages)
        {
            boolean checked = guard.allRoles() || "user".equals(message.path("role").asText());
            JsonNode content = message.path("content");
            if (content.isTextual())
            {
                Object result = check(content.asText(), guard, checked, index);
                if (result instanceof AiErrors.Error error)
                {
                    return new Checked(error, 0);
                }
                if (result instanceof Redacted redacted)
                {
                    ((ObjectNode)message).put("content", redacted.text());
                    // Blocks kept whole for Claude would carry the words unredacted: the message goes as its text.
                    ((ObjectNode)message).remove(AnthropicTools.RAW_CONTENT);
                    redactions += redacted.count();
                }
            }
            for (JsonNode parts : new JsonNode[] {content, message.path(AnthropicTools.RAW_CONTENT)})
            {
                // An assistant turn's blocks as Claude gave them are what Claude reads of it: checked as its content is.
                for (JsonNode part : parts)
                {
                    if (part.path("text").isTextual())
                    {
                        Object result = check(part.path("text").asText(), guard, checked, index);
                        if (result instanceof AiErrors.Error error)
                        {
                            return new Checked(error, 0);
                        }
                        if (result instanceof Redacted redacted)
                        {
                            ((ObjectNode)part).put("text", redacted.text());
                            // A document or search result kept whole for Claude would carry the words unredacted: it goes as the part.
                            ((ObjectNode)part).remove(AnthropicTools.RAW_BLOCK);
                            // The raw blocks' text is the message's text again: counted once.
                            redactions += parts == content ? redacted.count() : 0;
                        }
                    }
                }
            }
            index++;
        }
        if (guard.maxPromptTokens() > 0)
        {
            long tokens = TokenCounter.prompt(body);
            if (tokens > guard.maxPromptTokens())
            {
                return new Checked(new AiErrors.Error(400, "invalid_request_error", "The prompt is about " + tokens + " tokens; this route takes at most "
                    + guard.maxPromptTokens() + ".", "messages", "prompt_too_large", 0), 0);
            }
        }
        return new Checked(null, redactions);
    }

    private record Redacted(String text, int count)
    {
    }

    /** An error, a redacted text, or null when the text passes unchanged. */
    private static Object check(String text, Governance.PromptGuard guard, boolean checked, int index)
    {
        if (text.length() > guard.maxMessageChars())
        {
            return new AiErrors.Error(400, "invalid_request_error", "Message " + index + " has " + text.length()
                + " characters; this route takes at most " + guard.maxMessageChars() + " in one message.", "messages", "prompt_too_large", 0);
        }
        if (!checked)
        {
            return null;
        }
        Governance.Rule current = null;
        try
        {
            for (Governance.Rule rule : guard.deny())
            {
                current = rule;
                if (rule.pattern().find(text))
                {
                    return refused("Message " + index + " was refused by the prompt guard's rule '" + rule.name() + "'.");
                }
            }
            if (!guard.allow().isEmpty())
            {
                boolean allowed = false;
                for (Governance.Rule rule : guard.allow())
                {
                    current = rule;
                    if (rule.pattern().find(text))
                    {
                        allowed = true;
                        break;
                    }
                }
                if (!allowed)
                {
                    return refused("Message " + index + " matches none of the prompt guard's allow rules.");
                }
            }
            String redacted = text;
            int count = 0;
            for (Governance.Rule rule : guard.redact())
            {
                current = rule;
                ConfiguredRegex.Replaced replaced = rule.pattern().replace(redacted, "[REDACTED:" + rule.name() + "]");
                redacted = replaced.text();
                count += replaced.count();
            }
            return count == 0 ? null : new Redacted(redacted, count);
        }
        catch (ConfiguredRegex.TooComplex x)
        {
            // Not judged is not passed: the message is refused, as one the rule matched would be.
            return refused("Message " + index + " could not be checked by the prompt guard's rule '" + current.name()
                + "' (the rule is too complex for a message this long).");
        }
    }

    private static AiErrors.Error refused(String message)
    {
        return new AiErrors.Error(400, "invalid_request_error", message, "messages", "prompt_refused", 0);
    }
}
