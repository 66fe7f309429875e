"""Cooling and environment: Liebert cooling units and the rack inlet probes (ENTITY-SENSOR-MIB)."""

from __future__ import annotations

from tierwatch_demo.mibs.base import Mib, Objects
from tierwatch_demo.model import HallModel

LGP = "1.3.6.1.4.1.476.1.42.3"
AKCP = "1.3.6.1.4.1.3854.1"               # SPAGENT-MIB sensorProbe
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
    """An AKCP sensorProbe2 on the rack's front door: inlet temperature and humidity (SPAGENT-MIB)."""
    m = Mib()
    m.system(model, f"probe-{rack}", "sensorProbe2 v3.2.1", AKCP, f"{model.spec.hall.name} rack {rack} front door")
    temp, rh = model.inlet[rack], model.humidity_percent(rack)
    # ASHRAE A1: recommended up to 27 °C, allowable up to 32 °C
    temp_status = 4 if temp >= 32 else 3 if temp >= 27 else 2          # highCritical / highWarning / normal
    m.put(AKCP + ".1.2", 0, "int", {2: 2, 3: 3, 4: 4}[temp_status])     # spStatus: normal / warning / critical
    t = AKCP + ".2.2.1.16.1"                                            # sensorProbeTempTable
    m.put(t + ".1", 0, "str", f"{rack} inlet")                          # sensorProbeTempDescription
    m.put(t + ".3", 0, "int", temp)                                     # sensorProbeTempDegree
    m.put(t + ".4", 0, "int", temp_status)                              # sensorProbeTempStatus
    m.put(t + ".5", 0, "int", 1)                                        # sensorProbeTempOnline: online
    m.put(t + ".12", 0, "int", 1)                                       # sensorProbeTempDegreeType: celsius
    m.put(t + ".14", 0, "int", temp * 10)                               # sensorProbeTempDegreeRaw (0.1 degree)
    h = AKCP + ".2.2.1.17.1"                                            # sensorProbeHumidityTable
    m.put(h + ".1", 0, "str", f"{rack} inlet")                          # sensorProbeHumidityDescription
    m.put(h + ".3", 0, "int", rh)                                       # sensorProbeHumidityPercent
    m.put(h + ".4", 0, "int", 2 if 20 <= rh <= 80 else 3)               # sensorProbeHumidityStatus
    m.put(h + ".5", 0, "int", 1)                                        # sensorProbeHumidityOnline
    return m.objects


APC_COOLING = "1.3.6.1.4.1.318.1.1.27.1"   # PowerNet-MIB coolingUnit
INROW = "1.3.6.1.4.1.318.1.3.14.8"        # PowerNet-MIB networkAir: an in-row unit's product ID
MODES = "Off(0),On(1),Idle(2),Maintenance(3),Initializing(4)"
YES_NO = "No(0),Yes(1)"


def apc_inrow(model: HallModel, name: str) -> Objects:
    """An APC InRow unit through the self-describing coolingUnit status tables (unit 1)."""
    unit = model.units[name]
    m = Mib()
    m.system(model, name, "APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.9.6 AN1:apc_hw05_acrc_696.bin MN:ACRD301)",
             INROW, f"{model.spec.hall.name} zone {unit.zone}")
    analog = [("Supply Temperature", "C", 10, unit.supply_celsius), ("Return Temperature", "C", 10, unit.return_celsius),
              ("Supply Temperature", "F", 10, unit.supply_celsius * 1.8 + 32),
              ("Cooling Output", "kW", 10, unit.load_ratio * unit.capacity_watts / 1000),
              ("Fan Speed", "%", 1, min(100.0, 30 + 70 * unit.load_ratio) if unit.running else 0.0),
              ("Air Flow", "L/s", 1, 1800 * unit.load_ratio if unit.running else 0.0)]
    a = APC_COOLING + ".4.1.2.1"                                   # coolingUnitStatusAnalogEntry
    for i, (descr, units, scale, value) in enumerate(analog, start=1):
        m.put(a + ".1", (1, i), "int", i)                          # coolingUnitStatusAnalogTableIndex
        m.put(a + ".2", (1, i), "str", descr)                      # coolingUnitStatusAnalogDescription
        m.put(a + ".3", (1, i), "int", value * scale)              # coolingUnitStatusAnalogValue (× scale)
        m.put(a + ".4", (1, i), "str", units)                      # coolingUnitStatusAnalogUnits
        m.put(a + ".5", (1, i), "int", scale)                      # coolingUnitStatusAnalogScale
    discrete = [("Mode", 1 if unit.running else 0, MODES), ("Air Filter Clogged", 0, YES_NO),
                ("Condensate Pan Full", 0, YES_NO)]
    d = APC_COOLING + ".4.2.2.1"                                   # coolingUnitStatusDiscreteEntry
    for i, (descr, value, key) in enumerate(discrete, start=1):
        m.put(d + ".1", (1, i), "int", i)                          # coolingUnitStatusDiscreteTableIndex
        m.put(d + ".2", (1, i), "str", descr)                      # coolingUnitStatusDiscreteDescription
        m.put(d + ".3", (1, i), "str", key.split(",")[value].split("(")[0])  # ...DiscreteValueAsString
        m.put(d + ".4", (1, i), "int", value)                      # ...DiscreteValueAsInteger
        m.put(d + ".5", (1, i), "str", key)                        # ...DiscreteIntegerReferenceKey
    return m.objects
