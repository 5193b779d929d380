package dev.wharf.environment;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores statuses by their wire names, which the table's CHECK constraint lists. */
@Converter(autoApply = true)
public class EnvironmentStatusConverter implements AttributeConverter<EnvironmentStatus, String> {
    @Override
    public String convertToDatabaseColumn(EnvironmentStatus status) {
        return status == null ? null : status.wire();
    }

    @Override
    public EnvironmentStatus convertToEntityAttribute(String wire) {
        return wire == null ? null : EnvironmentStatus.fromWire(wire);
    }
}
