/* Generated from schema/{write,read,extensions}.schema.json by scripts/generate.mjs. Do not edit: run `make generate`. */

export const writeSchema: Record<string, unknown> = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://redbeat-sdk.dev/schema/v1/write.schema.json",
  "title": "RedBeatEntryWrite",
  "description": "Write profile, schema version 1: exactly what upstream celery-redbeat 2.4.x writes into one entry hash. Every client must write only data valid here. The root is the entry hash with both fields JSON-decoded.",
  "type": "object",
  "properties": {
    "definition": {
      "$ref": "#/$defs/Definition"
    },
    "meta": {
      "$ref": "#/$defs/Meta"
    }
  },
  "required": [
    "definition"
  ],
  "additionalProperties": false,
  "$defs": {
    "Definition": {
      "title": "Definition",
      "description": "The `definition` hash field: what to run and when. Keys in this order.",
      "type": "object",
      "properties": {
        "name": {
          "type": "string",
          "minLength": 1,
          "description": "Must equal the entry key minus the prefix."
        },
        "task": {
          "type": "string",
          "minLength": 1,
          "description": "Celery task name."
        },
        "args": {
          "anyOf": [
            {
              "type": "array"
            },
            {
              "type": "null"
            }
          ],
          "description": "Positional arguments; null when not given."
        },
        "kwargs": {
          "type": "object",
          "description": "Keyword arguments."
        },
        "options": {
          "type": "object",
          "description": "Options passed to apply_async (queue, expires, priority, ...)."
        },
        "schedule": {
          "$ref": "#/$defs/Schedule"
        },
        "enabled": {
          "type": "boolean"
        }
      },
      "required": [
        "name",
        "task",
        "args",
        "kwargs",
        "options",
        "schedule",
        "enabled"
      ],
      "additionalProperties": false
    },
    "Meta": {
      "title": "Meta",
      "description": "The `meta` hash field: run state. Only these two keys: any other key crashes upstream beat.",
      "type": "object",
      "properties": {
        "last_run_at": {
          "anyOf": [
            {
              "$ref": "#/$defs/Datetime"
            },
            {
              "type": "null"
            }
          ],
          "description": "Dispatch time of the last run; null means never run."
        },
        "total_run_count": {
          "type": "integer",
          "minimum": 0,
          "maximum": 9223372036854776000
        }
      },
      "required": [
        "last_run_at"
      ],
      "additionalProperties": false
    },
    "Schedule": {
      "title": "Schedule",
      "description": "A tagged union on `__type__`.",
      "type": "object",
      "oneOf": [
        {
          "$ref": "#/$defs/Interval"
        },
        {
          "$ref": "#/$defs/Crontab"
        },
        {
          "$ref": "#/$defs/RRule"
        }
      ],
      "discriminator": {
        "propertyName": "__type__"
      }
    },
    "Interval": {
      "title": "Interval",
      "description": "Celery `schedule`: run every `every` seconds after the last run.",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "interval"
        },
        "every": {
          "type": "number",
          "exclusiveMinimum": 0,
          "maximum": 86399999999999,
          "description": "Period in seconds; upstream writes a float (5 s as 5.0)."
        },
        "relative": {
          "type": "boolean",
          "description": "Round the due time to the resolution of `every` (Celery semantics)."
        }
      },
      "required": [
        "__type__",
        "every",
        "relative"
      ],
      "additionalProperties": false
    },
    "Crontab": {
      "title": "Crontab",
      "description": "Celery `crontab`, evaluated in the beat's Celery timezone. day_of_week 0 = Sunday. Each field is stored exactly as given; a string must be accepted by Celery 5.7's crontab parser (checked by the clients, not expressible here).",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "crontab"
        },
        "minute": {
          "$ref": "#/$defs/CrontabMinute"
        },
        "hour": {
          "$ref": "#/$defs/CrontabHour"
        },
        "day_of_week": {
          "$ref": "#/$defs/CrontabDayOfWeek"
        },
        "day_of_month": {
          "$ref": "#/$defs/CrontabDayOfMonth"
        },
        "month_of_year": {
          "$ref": "#/$defs/CrontabMonthOfYear"
        }
      },
      "required": [
        "__type__",
        "minute",
        "hour",
        "day_of_week",
        "day_of_month",
        "month_of_year"
      ],
      "additionalProperties": false
    },
    "CrontabMinute": {
      "title": "CrontabMinute",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 59
          },
          "minItems": 1
        }
      ]
    },
    "CrontabHour": {
      "title": "CrontabHour",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 23
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 23
          },
          "minItems": 1
        }
      ]
    },
    "CrontabDayOfWeek": {
      "title": "CrontabDayOfWeek",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 6
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 6
          },
          "minItems": 1
        }
      ]
    },
    "CrontabDayOfMonth": {
      "title": "CrontabDayOfMonth",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 1,
          "maximum": 31
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 1,
            "maximum": 31
          },
          "minItems": 1
        }
      ]
    },
    "CrontabMonthOfYear": {
      "title": "CrontabMonthOfYear",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 1,
          "maximum": 12
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 1,
            "maximum": 12
          },
          "minItems": 1
        }
      ]
    },
    "RRule": {
      "title": "RRule",
      "description": "RedBeat `rrule` (dateutil semantics; the next run is strictly after the last run). dtstart/until are integer epoch seconds, *_tz their UTC offset in minutes (int 0, else a float).",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "rrule"
        },
        "freq": {
          "type": "integer",
          "minimum": 0,
          "maximum": 6,
          "description": "YEARLY=0 MONTHLY=1 WEEKLY=2 DAILY=3 HOURLY=4 MINUTELY=5 SECONDLY=6"
        },
        "interval": {
          "type": "integer",
          "minimum": 1,
          "maximum": 9223372036854776000
        },
        "wkst": {
          "anyOf": [
            {
              "type": "null"
            },
            {
              "$ref": "#/$defs/WeekdayNumber"
            },
            {
              "$ref": "#/$defs/Weekday"
            }
          ]
        },
        "count": {
          "anyOf": [
            {
              "type": "null"
            },
            {
              "type": "integer",
              "minimum": 1,
              "maximum": 9223372036854776000
            }
          ]
        },
        "bysetpos": {
          "$ref": "#/$defs/RRuleSetPos"
        },
        "bymonth": {
          "$ref": "#/$defs/RRuleMonths"
        },
        "bymonthday": {
          "$ref": "#/$defs/RRuleMonthDays"
        },
        "byyearday": {
          "$ref": "#/$defs/RRuleYearDays"
        },
        "byeaster": {
          "$ref": "#/$defs/RRuleEasterOffsets"
        },
        "byweekno": {
          "$ref": "#/$defs/RRuleWeekNumbers"
        },
        "byweekday": {
          "$ref": "#/$defs/RRuleWeekdays"
        },
        "byhour": {
          "$ref": "#/$defs/RRuleHours"
        },
        "byminute": {
          "$ref": "#/$defs/RRuleMinutes"
        },
        "bysecond": {
          "$ref": "#/$defs/RRuleSeconds"
        },
        "dtstart": {
          "type": "integer",
          "minimum": -62135596800,
          "maximum": 253402300799
        },
        "dtstart_tz": {
          "type": "number",
          "exclusiveMinimum": -1440,
          "exclusiveMaximum": 1440
        },
        "until": {
          "type": "integer",
          "minimum": -62135596800,
          "maximum": 253402300799
        },
        "until_tz": {
          "type": "number",
          "exclusiveMinimum": -1440,
          "exclusiveMaximum": 1440
        }
      },
      "required": [
        "__type__",
        "freq",
        "interval",
        "wkst",
        "count",
        "bysetpos",
        "bymonth",
        "bymonthday",
        "byyearday",
        "byeaster",
        "byweekno",
        "byweekday",
        "byhour",
        "byminute",
        "bysecond",
        "dtstart",
        "dtstart_tz"
      ],
      "dependentRequired": {
        "until": [
          "until_tz"
        ],
        "until_tz": [
          "until"
        ]
      },
      "additionalProperties": false
    },
    "RRuleWeekdays": {
      "title": "RRuleWeekdays",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "$ref": "#/$defs/WeekdayNumber"
        },
        {
          "$ref": "#/$defs/Weekday"
        },
        {
          "type": "array",
          "items": {
            "anyOf": [
              {
                "$ref": "#/$defs/WeekdayNumber"
              },
              {
                "$ref": "#/$defs/Weekday"
              }
            ]
          }
        }
      ]
    },
    "WeekdayNumber": {
      "title": "WeekdayNumber",
      "description": "dateutil weekday number: 0 = Monday.",
      "type": "integer",
      "minimum": 0,
      "maximum": 6
    },
    "Weekday": {
      "title": "Weekday",
      "description": "dateutil weekday (0 = Monday). Upstream drops the n of FR(+1).",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "weekday"
        },
        "wkday": {
          "$ref": "#/$defs/WeekdayNumber"
        }
      },
      "required": [
        "__type__",
        "wkday"
      ],
      "additionalProperties": false
    },
    "Datetime": {
      "title": "Datetime",
      "description": "An instant as wall-clock fields local to `timezone`.",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "datetime"
        },
        "year": {
          "type": "integer",
          "minimum": 1,
          "maximum": 9999
        },
        "month": {
          "type": "integer",
          "minimum": 1,
          "maximum": 12
        },
        "day": {
          "type": "integer",
          "minimum": 1,
          "maximum": 31
        },
        "hour": {
          "type": "integer",
          "minimum": 0,
          "maximum": 23
        },
        "minute": {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        "second": {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        "microsecond": {
          "type": "integer",
          "minimum": 0,
          "maximum": 999999
        },
        "timezone": {
          "$ref": "#/$defs/Timezone"
        }
      },
      "required": [
        "__type__",
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
        "timezone"
      ],
      "additionalProperties": false
    },
    "Timezone": {
      "title": "Timezone",
      "description": "An IANA zone name (\"UTC\" included), or a fixed UTC offset in seconds.",
      "anyOf": [
        {
          "type": "string",
          "pattern": "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"
        },
        {
          "type": "number",
          "exclusiveMinimum": -86400,
          "exclusiveMaximum": 86400
        }
      ]
    },
    "RRuleSetPos": {
      "title": "RRuleSetPos",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -366,
          "maximum": 366
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -366,
            "maximum": 366
          }
        }
      ]
    },
    "RRuleMonths": {
      "title": "RRuleMonths",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": 1,
          "maximum": 12
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 1,
            "maximum": 12
          }
        }
      ]
    },
    "RRuleMonthDays": {
      "title": "RRuleMonthDays",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -31,
          "maximum": 31
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -31,
            "maximum": 31
          }
        }
      ]
    },
    "RRuleYearDays": {
      "title": "RRuleYearDays",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -366,
          "maximum": 366
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -366,
            "maximum": 366
          }
        }
      ]
    },
    "RRuleEasterOffsets": {
      "title": "RRuleEasterOffsets",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -366,
          "maximum": 366
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -366,
            "maximum": 366
          }
        }
      ]
    },
    "RRuleWeekNumbers": {
      "title": "RRuleWeekNumbers",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -53,
          "maximum": 53
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -53,
            "maximum": 53
          }
        }
      ]
    },
    "RRuleHours": {
      "title": "RRuleHours",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 23
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 23
          }
        }
      ]
    },
    "RRuleMinutes": {
      "title": "RRuleMinutes",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 59
          }
        }
      ]
    },
    "RRuleSeconds": {
      "title": "RRuleSeconds",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 59
          }
        }
      ]
    }
  }
};

export const readSchema: Record<string, unknown> = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://redbeat-sdk.dev/schema/v1/read.schema.json",
  "title": "RedBeatEntryRead",
  "description": "Read profile, schema version 1: everything upstream celery-redbeat 2.4.x's reader loads without crashing or dropping the entry. Write is a subset of read. The root is the entry hash with both fields JSON-decoded; an absent or empty `meta` field means never run.",
  "type": "object",
  "properties": {
    "definition": {
      "$ref": "#/$defs/Definition"
    },
    "meta": {
      "$ref": "#/$defs/Meta"
    }
  },
  "required": [
    "definition"
  ],
  "additionalProperties": false,
  "$defs": {
    "Definition": {
      "title": "Definition",
      "description": "The `definition` hash field as upstream reads it: only task and schedule are needed. Any other top-level key crashes upstream.",
      "type": "object",
      "properties": {
        "name": {
          "type": [
            "string",
            "null"
          ],
          "description": "Missing or null reads as the string \"None\" upstream; readers take the name from the key."
        },
        "task": {
          "type": "string",
          "minLength": 1,
          "description": "Celery task name."
        },
        "args": {
          "anyOf": [
            {
              "type": "array"
            },
            {
              "type": "null"
            }
          ],
          "description": "Positional arguments; null when not given."
        },
        "kwargs": {
          "type": [
            "object",
            "null"
          ],
          "description": "null reads as {}."
        },
        "options": {
          "type": [
            "object",
            "null"
          ],
          "description": "null reads as {}."
        },
        "schedule": {
          "anyOf": [
            {
              "$ref": "#/$defs/Schedule"
            },
            {
              "type": "number",
              "exclusiveMinimum": 0,
              "maximum": 86399999999999,
              "description": "A bare number of seconds: an interval."
            }
          ]
        },
        "enabled": {
          "type": [
            "boolean",
            "null"
          ],
          "description": "Absent means true; null counts as disabled."
        },
        "last_run_at": {
          "anyOf": [
            {
              "$ref": "#/$defs/Datetime"
            },
            {
              "type": "null"
            }
          ],
          "description": "Constructor keyword; meta overrides it."
        },
        "total_run_count": {
          "type": [
            "integer",
            "null"
          ],
          "minimum": 0,
          "maximum": 9223372036854776000,
          "description": "Constructor keyword; meta overrides it. Null reads as 0."
        },
        "relative": {
          "type": "boolean",
          "description": "Constructor keyword, ignored for typed schedules."
        }
      },
      "required": [
        "task",
        "schedule"
      ],
      "additionalProperties": false
    },
    "Meta": {
      "title": "Meta",
      "description": "The `meta` hash field as upstream reads it. Without `last_run_at` upstream drops the entry; an unknown key crashes it.",
      "type": "object",
      "properties": {
        "last_run_at": {
          "anyOf": [
            {
              "$ref": "#/$defs/Datetime"
            },
            {
              "type": "null"
            }
          ],
          "description": "Dispatch time of the last run; null means never run."
        },
        "total_run_count": {
          "type": [
            "integer",
            "null"
          ],
          "minimum": 0,
          "maximum": 9223372036854776000,
          "description": "Null reads as 0."
        }
      },
      "required": [
        "last_run_at"
      ],
      "additionalProperties": false
    },
    "Schedule": {
      "title": "Schedule",
      "description": "A tagged union on `__type__`.",
      "type": "object",
      "oneOf": [
        {
          "$ref": "#/$defs/Interval"
        },
        {
          "$ref": "#/$defs/Crontab"
        },
        {
          "$ref": "#/$defs/RRule"
        }
      ],
      "discriminator": {
        "propertyName": "__type__"
      }
    },
    "Interval": {
      "title": "Interval",
      "description": "Celery `schedule`: run every `every` seconds after the last run. Extra keys are ignored on read; `relative` is still required (upstream drops the entry without it).",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "interval"
        },
        "every": {
          "type": "number",
          "exclusiveMinimum": 0,
          "maximum": 86399999999999,
          "description": "Period in seconds; upstream writes a float (5 s as 5.0)."
        },
        "relative": {
          "type": [
            "boolean",
            "null"
          ],
          "description": "Round the due time to the resolution of `every` (Celery semantics). Null reads as false."
        }
      },
      "required": [
        "__type__",
        "every",
        "relative"
      ],
      "additionalProperties": true
    },
    "Crontab": {
      "title": "Crontab",
      "description": "Celery `crontab`, evaluated in the beat's Celery timezone. day_of_week 0 = Sunday. Each field is stored exactly as given; a string must be accepted by Celery 5.7's crontab parser (checked by the clients, not expressible here). On read any subset of the five fields may be present; a missing field means \"*\".",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "crontab"
        },
        "minute": {
          "$ref": "#/$defs/CrontabMinute"
        },
        "hour": {
          "$ref": "#/$defs/CrontabHour"
        },
        "day_of_week": {
          "$ref": "#/$defs/CrontabDayOfWeek"
        },
        "day_of_month": {
          "$ref": "#/$defs/CrontabDayOfMonth"
        },
        "month_of_year": {
          "$ref": "#/$defs/CrontabMonthOfYear"
        }
      },
      "required": [
        "__type__"
      ],
      "additionalProperties": false
    },
    "CrontabMinute": {
      "title": "CrontabMinute",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 59
          },
          "minItems": 1
        }
      ]
    },
    "CrontabHour": {
      "title": "CrontabHour",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 23
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 23
          },
          "minItems": 1
        }
      ]
    },
    "CrontabDayOfWeek": {
      "title": "CrontabDayOfWeek",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 6
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 6
          },
          "minItems": 1
        }
      ]
    },
    "CrontabDayOfMonth": {
      "title": "CrontabDayOfMonth",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 1,
          "maximum": 31
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 1,
            "maximum": 31
          },
          "minItems": 1
        }
      ]
    },
    "CrontabMonthOfYear": {
      "title": "CrontabMonthOfYear",
      "anyOf": [
        {
          "type": "string",
          "minLength": 1
        },
        {
          "type": "integer",
          "minimum": 1,
          "maximum": 12
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 1,
            "maximum": 12
          },
          "minItems": 1
        }
      ]
    },
    "RRule": {
      "title": "RRule",
      "description": "RedBeat `rrule` (dateutil semantics; the next run is strictly after the last run). dtstart/until are integer epoch seconds, *_tz their UTC offset in minutes (int 0, else a float).",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "rrule"
        },
        "freq": {
          "anyOf": [
            {
              "type": "integer",
              "minimum": 0,
              "maximum": 6
            },
            {
              "type": "string",
              "pattern": "^([Yy][Ee][Aa][Rr][Ll][Yy]|[Mm][Oo][Nn][Tt][Hh][Ll][Yy]|[Ww][Ee][Ee][Kk][Ll][Yy]|[Dd][Aa][Ii][Ll][Yy]|[Hh][Oo][Uu][Rr][Ll][Yy]|[Mm][Ii][Nn][Uu][Tt][Ee][Ll][Yy]|[Ss][Ee][Cc][Oo][Nn][Dd][Ll][Yy])$"
            }
          ]
        },
        "interval": {
          "type": "integer",
          "minimum": 1,
          "maximum": 9223372036854776000
        },
        "wkst": {
          "anyOf": [
            {
              "type": "null"
            },
            {
              "$ref": "#/$defs/WeekdayNumber"
            },
            {
              "$ref": "#/$defs/Weekday"
            }
          ]
        },
        "count": {
          "anyOf": [
            {
              "type": "null"
            },
            {
              "type": "integer",
              "minimum": 1,
              "maximum": 9223372036854776000
            }
          ]
        },
        "bysetpos": {
          "$ref": "#/$defs/RRuleSetPos"
        },
        "bymonth": {
          "$ref": "#/$defs/RRuleMonths"
        },
        "bymonthday": {
          "$ref": "#/$defs/RRuleMonthDays"
        },
        "byyearday": {
          "$ref": "#/$defs/RRuleYearDays"
        },
        "byeaster": {
          "$ref": "#/$defs/RRuleEasterOffsets"
        },
        "byweekno": {
          "$ref": "#/$defs/RRuleWeekNumbers"
        },
        "byweekday": {
          "$ref": "#/$defs/RRuleWeekdays"
        },
        "byhour": {
          "$ref": "#/$defs/RRuleHours"
        },
        "byminute": {
          "$ref": "#/$defs/RRuleMinutes"
        },
        "bysecond": {
          "$ref": "#/$defs/RRuleSeconds"
        },
        "dtstart": {
          "type": [
            "number",
            "null"
          ],
          "minimum": -62135596800,
          "maximum": 253402300799,
          "description": "Missing or null means now."
        },
        "dtstart_tz": {
          "type": [
            "number",
            "null"
          ],
          "exclusiveMinimum": -1440,
          "exclusiveMaximum": 1440,
          "description": "Missing or null means 0."
        },
        "until": {
          "type": [
            "number",
            "null"
          ],
          "minimum": -62135596800,
          "maximum": 253402300799
        },
        "until_tz": {
          "type": [
            "number",
            "null"
          ],
          "exclusiveMinimum": -1440,
          "exclusiveMaximum": 1440,
          "description": "Missing or null means 0."
        }
      },
      "required": [
        "__type__",
        "freq"
      ],
      "additionalProperties": false
    },
    "RRuleWeekdays": {
      "title": "RRuleWeekdays",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "$ref": "#/$defs/WeekdayNumber"
        },
        {
          "$ref": "#/$defs/Weekday"
        },
        {
          "type": "array",
          "items": {
            "anyOf": [
              {
                "$ref": "#/$defs/WeekdayNumber"
              },
              {
                "$ref": "#/$defs/Weekday"
              }
            ]
          }
        }
      ]
    },
    "WeekdayNumber": {
      "title": "WeekdayNumber",
      "description": "dateutil weekday number: 0 = Monday.",
      "type": "integer",
      "minimum": 0,
      "maximum": 6
    },
    "Weekday": {
      "title": "Weekday",
      "description": "dateutil weekday (0 = Monday). Upstream drops the n of FR(+1).",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "weekday"
        },
        "wkday": {
          "$ref": "#/$defs/WeekdayNumber"
        },
        "n": {
          "type": [
            "integer",
            "null"
          ],
          "minimum": -9223372036854776000,
          "maximum": 9223372036854776000,
          "description": "Accepted on read; upstream never writes it."
        }
      },
      "required": [
        "__type__",
        "wkday"
      ],
      "additionalProperties": false
    },
    "Datetime": {
      "title": "Datetime",
      "description": "An instant as wall-clock fields local to `timezone`. On read hour..microsecond default to 0 and a missing timezone means UTC.",
      "type": "object",
      "properties": {
        "__type__": {
          "const": "datetime"
        },
        "year": {
          "type": "integer",
          "minimum": 1,
          "maximum": 9999
        },
        "month": {
          "type": "integer",
          "minimum": 1,
          "maximum": 12
        },
        "day": {
          "type": "integer",
          "minimum": 1,
          "maximum": 31
        },
        "hour": {
          "type": "integer",
          "minimum": 0,
          "maximum": 23
        },
        "minute": {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        "second": {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        "microsecond": {
          "type": "integer",
          "minimum": 0,
          "maximum": 999999
        },
        "timezone": {
          "$ref": "#/$defs/Timezone"
        }
      },
      "required": [
        "__type__",
        "year",
        "month",
        "day"
      ],
      "additionalProperties": false
    },
    "Timezone": {
      "title": "Timezone",
      "description": "An IANA zone name (\"UTC\" included), or a fixed UTC offset in seconds.",
      "anyOf": [
        {
          "type": "string",
          "pattern": "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"
        },
        {
          "type": "number",
          "exclusiveMinimum": -86400,
          "exclusiveMaximum": 86400
        }
      ]
    },
    "RRuleSetPos": {
      "title": "RRuleSetPos",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -366,
          "maximum": 366
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -366,
            "maximum": 366
          }
        }
      ]
    },
    "RRuleMonths": {
      "title": "RRuleMonths",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": 1,
          "maximum": 12
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 1,
            "maximum": 12
          }
        }
      ]
    },
    "RRuleMonthDays": {
      "title": "RRuleMonthDays",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -31,
          "maximum": 31
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -31,
            "maximum": 31
          }
        }
      ]
    },
    "RRuleYearDays": {
      "title": "RRuleYearDays",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -366,
          "maximum": 366
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -366,
            "maximum": 366
          }
        }
      ]
    },
    "RRuleEasterOffsets": {
      "title": "RRuleEasterOffsets",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -366,
          "maximum": 366
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -366,
            "maximum": 366
          }
        }
      ]
    },
    "RRuleWeekNumbers": {
      "title": "RRuleWeekNumbers",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": -53,
          "maximum": 53
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": -53,
            "maximum": 53
          }
        }
      ]
    },
    "RRuleHours": {
      "title": "RRuleHours",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 23
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 23
          }
        }
      ]
    },
    "RRuleMinutes": {
      "title": "RRuleMinutes",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 59
          }
        }
      ]
    },
    "RRuleSeconds": {
      "title": "RRuleSeconds",
      "anyOf": [
        {
          "type": "null"
        },
        {
          "type": "integer",
          "minimum": 0,
          "maximum": 59
        },
        {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0,
            "maximum": 59
          }
        }
      ]
    }
  }
};

export const extensionsSchema: Record<string, unknown> = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://redbeat-sdk.dev/schema/extensions/v1/extensions.schema.json",
  "title": "RedBeatExtensions",
  "description": "Extension profile, version 1: the `extensions` field of an entry hash (JSON), beside `definition` and `meta`. Upstream celery-redbeat never reads it, so an upstream beat fires the entry by its plain definition. Absent field: no extensions. The rules (zone, window, jitter, catch-up, one-off, labels, history) are in README.md, section Extensions. Keys in this order.",
  "type": "object",
  "properties": {
    "version": {
      "const": 1,
      "description": "The profile version. A reader that does not know the version treats the entry as corrupt (it cannot honour rules it does not know)."
    },
    "timezone": {
      "$ref": "#/$defs/Timezone"
    },
    "one_off": {
      "$ref": "#/$defs/OneOff"
    },
    "start_at": {
      "$ref": "#/$defs/Instant",
      "description": "No run before this instant."
    },
    "end_at": {
      "$ref": "#/$defs/Instant",
      "description": "No run after this instant (never before start_at)."
    },
    "jitter_ms": {
      "type": "integer",
      "minimum": 1,
      "maximum": 86400000,
      "description": "Each run is delayed by a deterministic offset in [0, jitter_ms) milliseconds (README.md, Jitter)."
    },
    "catch_up": {
      "$ref": "#/$defs/CatchUp"
    },
    "labels": {
      "$ref": "#/$defs/Labels"
    },
    "description": {
      "type": "string",
      "maxLength": 1000,
      "description": "Free text for people."
    }
  },
  "required": [
    "version"
  ],
  "additionalProperties": false,
  "$defs": {
    "Timezone": {
      "title": "Timezone",
      "type": "string",
      "minLength": 1,
      "maxLength": 64,
      "description": "An IANA time zone name (`Europe/Berlin`). The entry's schedule is evaluated in it instead of the beat's Celery `timezone`."
    },
    "Instant": {
      "title": "Instant",
      "type": "string",
      "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$",
      "description": "An RFC 3339 instant with seconds and an explicit UTC offset (`Z` or `+01:00`); at most microseconds."
    },
    "OneOff": {
      "title": "OneOff",
      "description": "Marks the definition's schedule as a one-off: an rrule with count 1 whose dtstart is `at` (the form upstream fires once too). A reader returns a one-off only when the rrule matches; otherwise the marker is ignored.",
      "type": "object",
      "properties": {
        "at": {
          "$ref": "#/$defs/Instant",
          "description": "The run time, a whole second (equal to the rrule's dtstart)."
        },
        "delete_after_run": {
          "type": "boolean",
          "description": "redbeat-scheduler deletes the entry (hash, schedule member, label index, history) in the step that records its run."
        }
      },
      "required": [
        "at",
        "delete_after_run"
      ],
      "additionalProperties": false
    },
    "CatchUp": {
      "title": "CatchUp",
      "description": "What a beat does with a run it reaches late: `once` runs it once however late (Celery's behaviour, the default); `skip` skips it when it is 1 s late or more; an integer N skips it when it is N seconds late or more. A skipped run is counted and the entry moves to its next run.",
      "anyOf": [
        {
          "enum": [
            "once",
            "skip"
          ]
        },
        {
          "type": "integer",
          "minimum": 1,
          "maximum": 31536000
        }
      ]
    },
    "Labels": {
      "title": "Labels",
      "description": "A string map for finding entries (a tenant, a team). Keys: 1-63 of A-Z a-z 0-9 . _ / -, starting and ending with a letter or digit; values: 0-63 of A-Z a-z 0-9 . _ -, starting and ending with a letter or digit when not empty. At most 64 labels.",
      "type": "object",
      "propertyNames": {
        "pattern": "^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$"
      },
      "additionalProperties": {
        "type": "string",
        "pattern": "^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$"
      },
      "maxProperties": 64
    },
    "HistoryRecord": {
      "title": "HistoryRecord",
      "description": "One run in the entry's history list (key `P:history:<name>`, newest first), written by redbeat-scheduler in the step that records the run.",
      "type": "object",
      "properties": {
        "due": {
          "anyOf": [
            {
              "$ref": "#/$defs/Instant"
            },
            {
              "type": "null"
            }
          ],
          "description": "When the run was due (jitter included); null for an entry that had never run (due when saved or run_now'd)."
        },
        "recorded": {
          "$ref": "#/$defs/Instant",
          "description": "The beat's clock when it recorded the run."
        },
        "task_id": {
          "type": "string",
          "minLength": 1,
          "description": "The Celery task id of the message sent."
        },
        "lateness_ms": {
          "anyOf": [
            {
              "type": "integer",
              "minimum": 0
            },
            {
              "type": "null"
            }
          ],
          "description": "recorded - due, in whole milliseconds (truncated; null when due is null)."
        },
        "beat": {
          "type": "string",
          "description": "The beat that ran it: its lock token."
        }
      },
      "required": [
        "due",
        "recorded",
        "task_id",
        "lateness_ms",
        "beat"
      ],
      "additionalProperties": false
    }
  }
};
