"""The Cooling dashboard (dashboards/en/cooling.json, dashboards/fr/cooling.json)."""

from __future__ import annotations

from dashboards.kit import T, dashboard, datasource_var, panel, q, query_var, row

DASHBOARD = dashboard(
    'tierwatch-cooling',
    T('tierwatch / Cooling', 'tierwatch / Climatisation'),
    T('Cooling units and the IT inlet air against the ASHRAE envelope.',
      "Unités de climatisation et air à l'entrée des équipements IT, face à l'enveloppe ASHRAE."),
    ['tierwatch', 'cooling'],
    [
        datasource_var(),
        query_var('site', 'Site', 'label_values(tierwatch:target_placement:info, site)'),
        query_var('room', T('Room', 'Salle'), 'label_values(tierwatch:target_placement:info{site=~"$site"}, room)'),
        query_var('unit', T('Cooling unit', 'Unité de climatisation'), 'label_values(tierwatch_cooling_system_state{site=~"$site", room=~"$room"}, target)'),
    ],
    [
        row(T('Cooling units', 'Unités de climatisation'), 0),
        panel('table',
          T('Unit state', "État de l'unité"),
          (0, 1, 8, 7),
          [q('tierwatch_cooling_system_state{site=~"$site", room=~"$room", target=~"$unit"} == 1', instant=True, fmt='table')],
          extra={
            'transformations': [
                {
                    'id': 'organize',
                    'options': {
                        'excludeByName': {
                            'Time': True,
                            '__name__': True,
                            'job': True,
                            'instance': True,
                            'Value': True,
                            'agent': True,
                            'device_class': True,
                            'row': True,
                            'rack': True,
                            'role': True,
                        },
                        'renameByName': {
                            'Value': T('Value', 'Valeur'),
                            'state': T('unit state', "état de l'unité"),
                        },
                    },
                },
            ],
        }),
        panel('table',
          T('Units in alarm', 'Unités en alarme'),
          (8, 1, 8, 7),
          [q('(tierwatch_cooling_general_alarm_state{state="on"} == 1) or (tierwatch_cooling_operating_reason_state{state="alarm"} == 1)', instant=True, fmt='table')],
          extra={
            'transformations': [
                {
                    'id': 'organize',
                    'options': {
                        'excludeByName': {
                            'Time': True,
                            '__name__': True,
                            'job': True,
                            'instance': True,
                            'Value': True,
                            'agent': True,
                            'device_class': True,
                            'row': True,
                            'rack': True,
                            'role': True,
                        },
                        'renameByName': {'Value': T('Value', 'Valeur')},
                    },
                },
            ],
        }),
        panel('bargauge',
          T('Cooling capacity in use', 'Capacité de refroidissement utilisée'),
          (16, 1, 8, 7),
          [q('tierwatch_cooling_capacity_ratio{site=~"$site", room=~"$room", target=~"$unit"}', '{{target}}', instant=True)],
          unit='percentunit',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'green', 'value': None},
                            {'color': 'orange', 'value': 0.8},
                            {'color': 'red', 'value': 0.95},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                    'max': 1,
                },
            },
        }),
        panel('timeseries',
          T('Supply and return air', 'Air soufflé et air repris'),
          (0, 8, 12, 8),
          [q('tierwatch_cooling_supply_air_temperature_celsius{site=~"$site", room=~"$room", target=~"$unit"}', T('{{target}} supply', '{{target}} soufflage')), q('tierwatch_cooling_return_air_temperature_celsius{site=~"$site", room=~"$room", target=~"$unit"}', T('{{target}} return', '{{target}} reprise'))],
          unit='celsius'),
        panel('timeseries',
          T('Air temperature rise (return − supply)',
  "Écart de température de l'air (reprise − soufflage)"),
          (12, 8, 12, 8),
          [q('max by (target) (tierwatch_cooling_return_air_temperature_celsius{site=~"$site", room=~"$room", target=~"$unit"}) - max by (target) (tierwatch_cooling_supply_air_temperature_celsius{site=~"$site", room=~"$room", target=~"$unit"})', '{{target}}')],
          unit='celsius',
          description=T('ΔT across the unit: a falling ΔT with steady load often means bypass air or a failing fan.',
          "ΔT à travers l'unité : un ΔT qui baisse à charge constante signale souvent un by-pass d'air ou un ventilateur défaillant.")),
        panel('timeseries',
          T('Unit humidity', "Humidité de l'unité"),
          (0, 16, 12, 8),
          [q('tierwatch_cooling_humidity_ratio{site=~"$site", room=~"$room", target=~"$unit"}', '{{target}} {{sensor}}')],
          unit='percentunit',
          extra={'fieldConfig': {'defaults': {'min': 0, 'max': 1}}}),
        panel('timeseries',
          T('Fan capacity', 'Capacité des ventilateurs'),
          (12, 16, 12, 8),
          [q('tierwatch_cooling_fan_capacity_ratio{site=~"$site", room=~"$room", target=~"$unit"}', '{{target}}')],
          unit='percentunit',
          extra={'fieldConfig': {'defaults': {'min': 0, 'max': 1}}}),
        row(T('IT inlet air (ASHRAE recommended: 18–27 °C, dew point −9…15 °C, RH ≤ 60 %)',
  'Air en entrée IT (recommandation ASHRAE : 18–27 °C, point de rosée −9…15 °C, HR ≤ 60 %)'), 24),
        panel('timeseries',
          T('Inlet temperature', "Température d'entrée"),
          (0, 25, 12, 8),
          [q('tierwatch:inlet_temperature:celsius{site=~"$site", room=~"$room"}', '{{target}} {{sensor}}')],
          unit='celsius',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'blue', 'value': None},
                            {'color': 'green', 'value': 18},
                            {'color': 'orange', 'value': 27},
                            {'color': 'red', 'value': 32},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'custom': {'thresholdsStyle': {'mode': 'line+area'}},
                },
            },
        }),
        panel('timeseries',
          T('Inlet relative humidity', "Humidité relative d'entrée"),
          (12, 25, 12, 8),
          [q('tierwatch:inlet_humidity:ratio{site=~"$site", room=~"$room"}', '{{target}} {{sensor}}')],
          unit='percentunit',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'green', 'value': None}, {'color': 'orange', 'value': 0.6}],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                    'max': 1,
                    'custom': {'thresholdsStyle': {'mode': 'line'}},
                },
            },
        }),
        panel('timeseries',
          T('Inlet dew point', "Point de rosée d'entrée"),
          (0, 33, 12, 8),
          [q('tierwatch:inlet_dew_point:celsius{site=~"$site", room=~"$room"}', '{{target}} {{sensor}}')],
          unit='celsius',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'orange', 'value': None},
                            {'color': 'green', 'value': -9},
                            {'color': 'orange', 'value': 15},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'custom': {'thresholdsStyle': {'mode': 'line'}},
                },
            },
        }),
        panel('bargauge',
          T('Hottest inlets now', 'Entrées les plus chaudes en ce moment'),
          (12, 33, 12, 8),
          [q('topk(10, tierwatch:inlet_temperature:celsius{site=~"$site", room=~"$room"})', '{{target}} {{sensor}}', instant=True)],
          unit='celsius',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'blue', 'value': None},
                            {'color': 'green', 'value': 18},
                            {'color': 'orange', 'value': 27},
                            {'color': 'red', 'value': 32},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 15,
                    'max': 35,
                },
            },
        }),
    ],
)
