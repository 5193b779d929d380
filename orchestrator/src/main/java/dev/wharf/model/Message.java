package dev.wharf.model;

import java.util.List;

/** A turn in a conversation: who said it, and its parts. Tool results travel in {@link Role#TOOL} messages. */
public record Message(Role role, List<Part> parts) {

    public enum Role {
        USER, ASSISTANT, TOOL
    }

    public static Message user(String text) {
        return new Message(Role.USER, List.of(new Part.Text(text)));
    }
}
