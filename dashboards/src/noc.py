"""The NOC overview dashboard (dashboards/en/noc.json, dashboards/fr/noc.json)."""

from __future__ import annotations

from dashboards.kit import T, dashboard, datasource_var, panel, q, query_var, row

DASHBOARD = dashboard(
    'tierwatch-noc',
    T('tierwatch / NOC overview', "tierwatch / Vue d'ensemble NOC"),
    T('What is down now and how much of the 99.982 % availability budget is left.',
      'Ce qui est en panne maintenant, et ce qui reste du budget de disponibilité à 99,982 %.'),
    ['tierwatch', 'noc'],
    [
        datasource_var(),
        query_var('site', 'Site', 'label_values(tierwatch:target_placement:info, site)'),
        query_var('room', T('Room', 'Salle'), 'label_values(tierwatch:target_placement:info{site=~"$site"}, room)'),
    ],
    [
        row(T('Now', 'Maintenant'), 0),
        panel('stat',
          T('Devices down', 'Équipements en panne'),
          (0, 1, 4, 4),
          [q('count(tierwatch:target_up:placed{site=~"$site", room=~"$room"} == 0) or vector(0)', instant=True)],
          unit='none',
          description=T('Targets whose last poll failed or whose health is critical.',
          "Cibles dont la dernière interrogation a échoué ou dont l'état de santé est critique."),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'green', 'value': None}, {'color': 'red', 'value': 1}],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        panel('stat',
          T('Devices up', 'Équipements opérationnels'),
          (4, 1, 4, 4),
          [q('count(tierwatch:target_up:placed{site=~"$site", room=~"$room"} == 1) or vector(0)', instant=True)],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {'mode': 'absolute', 'steps': [{'color': 'green', 'value': None}]},
                    'color': {'mode': 'thresholds'},
                },
            },
            'options': {'colorMode': 'value'},
        }),
        panel('stat',
          T('Redundancy degraded', 'Redondance dégradée'),
          (8, 1, 4, 4),
          [q('count(tierwatch_group_state{state="degraded"} == 1) or vector(0)', instant=True)],
          unit='none',
          description=T('Redundancy groups that are up but one failure away from down.',
          "Groupes de redondance encore disponibles mais à une panne de l'arrêt."),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'green', 'value': None}, {'color': 'orange', 'value': 1}],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        panel('stat',
          T('Groups down', 'Groupes en panne'),
          (12, 1, 4, 4),
          [q('count(tierwatch_group_state{state="down"} == 1) or vector(0)', instant=True)],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'green', 'value': None}, {'color': 'red', 'value': 1}],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        panel('stat',
          T('Pages firing', "Alertes d'astreinte actives"),
          (16, 1, 4, 4),
          [q('count(ALERTS{alertstate="firing", severity="page"}) or vector(0)', instant=True)],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'green', 'value': None}, {'color': 'red', 'value': 1}],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        panel('stat',
          T('Tickets firing', 'Alertes ticket actives'),
          (20, 1, 4, 4),
          [q('count(ALERTS{alertstate="firing", severity="ticket"}) or vector(0)', instant=True)],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'green', 'value': None}, {'color': 'orange', 'value': 1}],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        row(T('Availability (30 days)', 'Disponibilité (30 jours)'), 5),
        panel('bargauge',
          T('Availability per service, 30 days', 'Disponibilité par service, 30 jours'),
          (0, 6, 12, 8),
          [q('tierwatch_service_availability_ratio{window="30d"}', '{{service}}', instant=True)],
          unit='percentunit',
          description=T('up / (up + down) over the rolling 30 days. Green at or above the 99.982 % objective.',
          "disponible / (disponible + en panne) sur les 30 derniers jours. Vert à partir de l'objectif de 99,982 %."),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'red', 'value': None}, {'color': 'green', 'value': 0.99982}],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0.999,
                    'max': 1,
                },
            },
        }),
        panel('bargauge',
          T('Error budget remaining, 30 days', "Budget d'erreur restant, 30 jours"),
          (12, 6, 12, 8),
          [q('tierwatch_service_error_budget_remaining_ratio{window="30d"}', '{{service}}', instant=True)],
          unit='percentunit',
          description=T('Share of the 30-day error budget (7 min 47 s at 99.982 %) not yet spent.',
          "Part du budget d'erreur sur 30 jours (7 min 47 s à 99,982 %) pas encore consommée."),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'red', 'value': None},
                            {'color': 'orange', 'value': 0.25},
                            {'color': 'green', 'value': 0.5},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                    'min': 0,
                    'max': 1,
                },
            },
        }),
        panel('table',
          T('Devices down', 'Équipements en panne'),
          (0, 14, 12, 8),
          [q('tierwatch:target_up:placed{site=~"$site", room=~"$room"} == 0', instant=True, fmt='table')],
          description=T('Targets down now, with where they are.',
          'Cibles en panne en ce moment, avec leur emplacement.'),
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
                        },
                        'renameByName': {'Value': T('Value', 'Valeur')},
                    },
                },
            ],
        }),
        panel('table',
          T('Redundancy groups not ok', 'Groupes de redondance non nominaux'),
          (12, 14, 12, 8),
          [q('tierwatch_group_state{state!="ok"} == 1', instant=True, fmt='table')],
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
                        },
                        'renameByName': {'Value': T('Value', 'Valeur')},
                    },
                },
            ],
        }),
        row(T('Alerts', 'Alertes'), 22),
        panel('table',
          T('Firing alerts', 'Alertes actives'),
          (0, 23, 24, 8),
          [q('ALERTS{alertstate="firing"}', instant=True, fmt='table')],
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
                            'alertstate': True,
                        },
                        'renameByName': {'Value': T('Value', 'Valeur')},
                    },
                },
            ],
        }),
        panel('timeseries',
          T('Devices down over time', 'Équipements en panne dans le temps'),
          (0, 31, 24, 7),
          [q('count by (room) (tierwatch:target_up:placed{site=~"$site", room=~"$room"} == 0)', '{{room}}')],
          unit='none'),
    ],
)
