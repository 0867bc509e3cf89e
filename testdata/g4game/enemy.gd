extends EnemyBase
# EnemyBase is declared nowhere: check_project reports it.
