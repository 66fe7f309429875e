"""Cooling and environment: Liebert cooling units and the rack inlet probes (ENTITY-SENSOR-MIB)."""

from __future__ import annotations

from tierwatch_demo.mibs import Mib, Objects
from tierwatch_demo.model import HallModel

LGP = "1.3.6.1.4.1.476.1.42.3"
ENT_NAME = "1.3.6.1.2.1.47.1.1.1.1"
ENT_SENSOR = "1.3.6.1.2.1.99.1.1.1"
DEMO_PROBE = "1.3.6.1.4.1.32473.1.1"      # the documentation enterprise (RFC 5612): our own probe
ON, OFF = 1, 2


def liebert(model: HallModel, name: str) -> Objects:
    unit = model.units[name]
    m = Mib()
    m.system(model, name, "Liebert DS 28 kW, Liebert IntelliSlot Web Card", "1.3.6.1.4.1.476.1.42",
             f"{model.spec.hall.name} zone {unit.zone}")
    run = ON if unit.running else OFF
    state = LGP + ".4.3"                                        # lgpEnvState
    m.put(state + ".1", 0, "int", run)                          # lgpEnvStateSystem
    m.put(state + ".2", 0, "int", run)                          # lgpEnvStateCooling
    m.put(state + ".4", 0, "int", OFF)                          # lgpEnvStateHumidifying
    m.put(state + ".5", 0, "int", OFF)                          # lgpEnvStateDehumidifying
    m.put(state + ".7", 0, "int", run)                          # lgpEnvStateFan
    m.put(state + ".8", 0, "int", OFF if unit.running else ON)  # lgpEnvStateGeneralAlarmOutput
    m.put(state + ".9", 0, "int", unit.load_ratio * 100)        # lgpEnvStateCoolingCapacity (%)
    m.put(state + ".11", 0, "int", OFF if unit.running else ON)  # lgpEnvStateAudibleAlarm
    m.put(state + ".14", 0, "int", 1 if unit.running else 3)    # lgpEnvStateOperatingReason: none / alarm
    m.put(state + ".16", 0, "int", min(100, unit.load_ratio * 110) if unit.running else 0)  # lgpEnvStateFanCapacity
    temp = LGP + ".4.1.3.3.1"                                   # lgpEnvTemperatureTableDegC
    sensors = {1: (2, unit.return_celsius, 24), 2: (3, unit.supply_celsius, 18)}  # return air, supply air
    for row, (kind, value, setpoint) in sensors.items():
        m.put(temp + ".1", row, "int", row)                     # lgpEnvTemperatureIndexDegC
        m.put(temp + ".2", row, "oid", f"{LGP}.4.1.1.{kind}")   # lgpEnvTemperatureIdDegC
        m.put(temp + ".3", row, "int", value)                   # lgpEnvTemperatureMeasurementDegC
        m.put(temp + ".4", row, "int", setpoint + 10)           # lgpEnvTemperatureHighThresholdDegC
        m.put(temp + ".5", row, "int", setpoint - 8)            # lgpEnvTemperatureLowThresholdDegC
        m.put(temp + ".6", row, "int", setpoint)                # lgpEnvTemperatureSetPointDegC
    hum = LGP + ".4.2.2.3.1"                                    # lgpEnvHumidityTableRel
    rack_rh = [model.humidity_percent(r.name) for r in model.spec.racks if r.zone == unit.zone]
    m.put(hum + ".1", 1, "int", 1)                              # lgpEnvHumidityIndexRel
    m.put(hum + ".2", 1, "oid", f"{LGP}.4.2.1.2")               # lgpEnvHumidityIdRel: return air
    m.put(hum + ".3", 1, "int", sum(rack_rh) / len(rack_rh) * 0.8 if rack_rh else 40)  # ...MeasurementRel
    m.put(hum + ".6", 1, "int", 45)                             # lgpEnvHumiditySetPoint
    op = LGP + ".4.4.32.1"                                      # lgpEnvOperationTimeTable
    m.put(op + ".1", 1, "int", 1)                               # lgpEnvOperationTimeIndex
    m.put(op + ".2", 1, "oid", f"{LGP}.4.7.1.1")                # lgpEnvOperationTimePointId: fan
    m.put(op + ".3", 1, "int", 1)                               # lgpEnvOperationTimeSubId
    m.put(op + ".5", 1, "gauge", 31_000 + model.t / 3600)       # lgpEnvOperationTimeValue (hours)
    m.put(LGP + ".2.2", 0, "gauge", 0 if unit.running else 2)   # lgpConditionsPresent
    return m.objects


def rack_probe(model: HallModel, rack: str) -> Objects:
    m = Mib()
    m.system(model, f"probe-{rack}", "tierwatch demo rack probe (temperature, humidity)", DEMO_PROBE,
             f"{model.spec.hall.name} rack {rack} front door")
    readings = {1: ("inlet temperature", 8, model.inlet[rack], "C"),           # celsius
                2: ("inlet humidity", 9, model.humidity_percent(rack), "%RH")}  # percentRH
    for index, (label, kind, value, units) in readings.items():
        m.put(ENT_NAME + ".2", index, "str", f"{label} sensor")  # entPhysicalDescr
        m.put(ENT_NAME + ".7", index, "str", label.replace(" ", "_"))  # entPhysicalName
        m.put(ENT_SENSOR + ".1", index, "int", kind)            # entPhySensorType
        m.put(ENT_SENSOR + ".2", index, "int", 9)               # entPhySensorScale: units
        m.put(ENT_SENSOR + ".3", index, "int", 1)               # entPhySensorPrecision: tenths
        m.put(ENT_SENSOR + ".4", index, "int", value * 10)      # entPhySensorValue
        m.put(ENT_SENSOR + ".5", index, "int", 1)               # entPhySensorOperStatus: ok
        m.put(ENT_SENSOR + ".6", index, "str", units)           # entPhySensorUnitsDisplay
    return m.objects
