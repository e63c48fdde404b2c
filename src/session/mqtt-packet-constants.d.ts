// mqtt-packet's protocol tables (the package ships no types for this file).
declare module 'mqtt-packet/constants' {
  const constants: {
    /** Property id -> mqtt-packet's name for it. */
    propertiesCodes: Record<number, string>;
    /** mqtt-packet's name -> the property's type. */
    propertiesTypes: Record<string, 'byte' | 'int8' | 'int16' | 'int32' | 'var' | 'string' | 'binary' | 'pair'>;
    MQTT5_PUBACK_PUBREC_CODES: Record<number, string>;
    MQTT5_PUBREL_PUBCOMP_CODES: Record<number, string>;
    MQTT5_SUBACK_CODES: Record<number, string>;
    MQTT5_UNSUBACK_CODES: Record<number, string>;
    MQTT5_DISCONNECT_CODES: Record<number, string>;
  };
  export = constants;
}
