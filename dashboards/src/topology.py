"""The Hall topology dashboard (dashboards/en/topology.json, dashboards/fr/topology.json): what the
collector's topology says about failover load, N-1 headroom, dual cords and the selected node."""

from __future__ import annotations

from dashboards.kit import T, dashboard, datasource_var, merge, panel, q, query_var, row, steps

SHARE = {'fieldConfig': {'defaults': {'thresholds': steps(('green', None), ('orange', 0.8), ('red', 1.0)),
                                      'color': {'mode': 'thresholds'}, 'min': 0, 'max': 1.2}}}
HIDE = {'Time': True, '__name__': True, 'Value': True}
IN_NODE = '(.*,)?$node(,.*)?'


def table(title: T, grid: tuple[int, int, int, int], expr: str, description: T) -> dict:
    return panel('table', title, grid, [q(expr, instant=True, fmt='table')], description=description,
                 extra={'transformations': [{'id': 'organize', 'options': {'excludeByName': HIDE}}]})


DASHBOARD = dashboard(
    'tierwatch-topology',
    T('tierwatch / Hall topology', 'tierwatch / Topologie de la salle'),
    T('Failover load against the PDUs\' breakers, N-1 headroom, dual cords and what depends on a node.',
      'Charge de bascule face aux disjoncteurs des PDU, marge N-1, double alimentation et dépendances d\'un nœud.'),
    ['tierwatch', 'power', 'topology'],
    [
        datasource_var(),
        query_var('room', T('Room', 'Salle'), 'label_values(tierwatch_topology_node_info, room)'),
        query_var('rack', T('Rack', 'Baie'), 'label_values(tierwatch_rack_failover_load_ratio, rack)'),
        merge(query_var('node', T('Node', 'Nœud'), 'label_values(tierwatch_topology_node_info, node)'),
              {'multi': False, 'includeAll': False, 'current': {}}),
    ],
    [
        row(T('Capacity', 'Capacité'), 0),
        panel('bargauge',
              T('Failover load per rack and phase (one feed alone)', 'Charge de bascule par baie et phase (une voie seule)'),
              (0, 1, 12, 10),
              [q('tierwatch_rack_failover_load_ratio{rack=~"$rack"}', '{{rack}} L{{phase}} · {{feed}}', instant=True)],
              unit='percentunit',
              description=T("The rack's current on the phase, all feeds together, over the breaker rating of the "
                            "named feed's PDUs (the PDU's own rating, else the configured one). Above 100 %, "
                            "losing the other feed trips this one.",
                            "Courant de la baie sur la phase, toutes voies ensemble, rapporté au calibre des "
                            "disjoncteurs des PDU de la voie nommée (celui du PDU, sinon celui de la configuration). "
                            "Au-delà de 100 %, la perte de l'autre voie fait déclencher celle-ci."),
              extra=SHARE),
        panel('bargauge',
              T('N-1 headroom per room and UPS system', 'Marge N-1 par salle et système d\'onduleurs'),
              (12, 1, 12, 10),
              [q('tierwatch_capacity_after_loss_load_ratio', '{{system}} ({{scope}}, {{load_source}})', instant=True)],
              unit='percentunit',
              description=T('Load over the capacity left after losing the largest unit that is up. At 100 % the '
                            'room or UPS system is no longer N+1.',
                            'Charge rapportée à la capacité restant après la perte de la plus grosse unité en '
                            'service. À 100 %, la salle ou le système d\'onduleurs n\'est plus N+1.'),
              extra=SHARE),
        row(T('Power paths', 'Chemins d\'alimentation'), 11),
        table(T('Servers not dual-corded', 'Serveurs sans double alimentation'), (0, 12, 12, 8),
              'tierwatch_server_dual_cord_compliant == 0',
              T('A failed or absent supply reported by the BMC, or both supplies on one feed.',
                'Alimentation en panne ou absente selon le BMC, ou deux alimentations sur la même voie.')),
        table(T('Explained by a cause that is down', 'Expliqué par une cause en panne'), (12, 12, 12, 8),
              'tierwatch_topology_upstream_down == 1',
              T('Targets and groups below a node that is down: their alerts are inhibited in favour of the cause.',
                'Cibles et groupes en aval d\'un nœud en panne : leurs alertes sont inhibées au profit de la cause.')),
        table(T('Fed through the selected node', 'Alimenté par le nœud choisi'), (0, 20, 24, 9),
              f'tierwatch_topology_node_info{{ups=~"{IN_NODE}"}} or tierwatch_topology_node_info{{panel=~"{IN_NODE}"}}'
              ' or tierwatch_topology_node_info{pdu="$node"}',
              T('What the selected node feeds: what failing it would touch. GET /api/v1/impact?fail=<node> says '
                'which of them would go down or lose redundancy, and which capacity checks would fail.',
                'Ce que le nœud choisi alimente : ce que sa panne toucherait. GET /api/v1/impact?fail=<nœud> dit '
                'lesquels s\'arrêteraient ou perdraient leur redondance, et quels contrôles de capacité échoueraient.')),
    ])
