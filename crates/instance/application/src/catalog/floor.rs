//! The floor plan: a warehouse's racks where they stand, each with how many of its places hold
//! something, and a rack's places cell by cell. Reading the floor needs
//! [`Permission::InventoryView`] (it shows where things are); changing a rack stays
//! [`Permission::SettingsEdit`] (`create_rack`, `update_rack`).

use eckwms_domain::access::Permission;
use eckwms_domain::{Rack, RackId, Warehouse, WarehouseId};

use super::CatalogService;
use crate::access::Actor;
use crate::common::{Page, paginate};
use crate::error::AppResult;
use crate::ports::{PageQuery, PlaceOccupancy, RackOccupancy};

/// A warehouse's floor: its racks with their occupancy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Floor {
    pub warehouse: Warehouse,
    /// By `sort_order`, then id.
    pub racks: Vec<RackOccupancy>,
}

/// A rack with its places in cell order, each occupied or empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RackFloor {
    pub rack: Rack,
    pub places: Vec<PlaceOccupancy>,
}

impl RackFloor {
    /// How many of the rack's places hold something.
    pub fn occupied(&self) -> usize {
        self.places.iter().filter(|p| p.occupied).count()
    }
}

impl CatalogService {
    /// The warehouses whose floors may be looked at, by id.
    pub fn floor_warehouses(
        &self,
        actor: &Actor,
        page: &PageQuery<WarehouseId>,
    ) -> AppResult<Page<Warehouse>> {
        actor.require(Permission::InventoryView)?;
        paginate(
            page,
            |p| self.ports.warehouses.list_warehouses(p),
            |w| w.id.to_string(),
        )
    }

    /// The warehouse and each of its racks with its places and how many hold something.
    pub fn floor(&self, actor: &Actor, warehouse: WarehouseId) -> AppResult<Floor> {
        actor.require(Permission::InventoryView)?;
        let warehouse = self.ports.warehouses.get_warehouse(warehouse)?;
        let racks = self.ports.warehouses.floor_racks(warehouse.id)?;
        Ok(Floor { warehouse, racks })
    }

    /// The rack and its places, cell by cell, each occupied or empty.
    pub fn rack_floor(&self, actor: &Actor, rack: RackId) -> AppResult<RackFloor> {
        actor.require(Permission::InventoryView)?;
        let rack = self.ports.warehouses.get_rack(rack)?;
        let places = self.ports.warehouses.rack_places(rack.id)?;
        Ok(RackFloor { rack, places })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use eckwms_domain::{Meta, Name, RackLayout};

    use super::*;
    use crate::catalog::CatalogPorts;
    use crate::error::AppError;
    use crate::ports::{
        MockBoxRepository, MockClock, MockItemRepository, MockPlaceRepository,
        MockWarehouseRepository,
    };

    fn service(warehouses: MockWarehouseRepository) -> CatalogService {
        CatalogService::new(CatalogPorts {
            warehouses: Arc::new(warehouses),
            places: Arc::new(MockPlaceRepository::new()),
            boxes: Arc::new(MockBoxRepository::new()),
            items: Arc::new(MockItemRepository::new()),
            clock: Arc::new(MockClock::new()),
        })
    }

    fn meta() -> Meta {
        Meta::new(Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap())
    }

    fn rack(id: i64, name: &str) -> Rack {
        Rack {
            id: RackId(id),
            warehouse_id: WarehouseId(2),
            name: Name::new("name", name).unwrap(),
            prefix: None,
            layout: RackLayout::new(3, 2, 0).unwrap(),
            sort_order: 0,
            pos_x: 10,
            pos_y: 20,
            rotation: 90,
            meta: meta(),
        }
    }

    fn actor(role: &str) -> Actor {
        Actor::seeded_key(1, "k", role)
    }

    #[test]
    fn the_floor_is_the_warehouse_and_its_racks_with_their_occupancy() {
        let mut repo = MockWarehouseRepository::new();
        repo.expect_get_warehouse()
            .withf(|id| *id == WarehouseId(2))
            .times(1)
            .returning(|id| {
                Ok(Warehouse {
                    id,
                    name: Name::new("name", "Main").unwrap(),
                    id_offset: 0,
                    meta: meta(),
                })
            });
        repo.expect_floor_racks()
            .withf(|id| *id == WarehouseId(2))
            .times(1)
            .returning(|_| {
                Ok(vec![
                    RackOccupancy {
                        rack: rack(1, "A"),
                        places: 6,
                        occupied: 2,
                    },
                    RackOccupancy {
                        rack: rack(3, "B"),
                        places: 6,
                        occupied: 0,
                    },
                ])
            });
        let floor = service(repo).floor(&actor("read"), WarehouseId(2)).unwrap();
        assert_eq!(floor.warehouse.name.as_str(), "Main");
        let counts: Vec<(i64, i64, i64)> = floor
            .racks
            .iter()
            .map(|r| (r.rack.id.0, r.places, r.occupied))
            .collect();
        assert_eq!(counts, [(1, 6, 2), (3, 6, 0)]);
    }

    #[test]
    fn an_unknown_warehouse_is_not_found_before_its_racks_are_read() {
        let mut repo = MockWarehouseRepository::new();
        repo.expect_get_warehouse()
            .returning(|id| Err(AppError::not_found("warehouse", id)));
        repo.expect_floor_racks().never();
        let result = service(repo).floor(&actor("read"), WarehouseId(9));
        assert!(
            matches!(result, Err(AppError::NotFound { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn the_floor_needs_inventory_view_and_reads_nothing_without_it() {
        let mut repo = MockWarehouseRepository::new();
        repo.expect_get_warehouse().never();
        repo.expect_floor_racks().never();
        repo.expect_get_rack().never();
        repo.expect_rack_places().never();
        repo.expect_list_warehouses().never();
        let service = service(repo);
        // The role `nobody` holds no permission.
        let nobody = actor("nobody");
        assert!(matches!(
            service.floor(&nobody, WarehouseId(2)),
            Err(AppError::Forbidden { .. })
        ));
        assert!(matches!(
            service.rack_floor(&nobody, RackId(1)),
            Err(AppError::Forbidden { .. })
        ));
        assert!(matches!(
            service.floor_warehouses(
                &nobody,
                &PageQuery {
                    after: None,
                    limit: 10
                }
            ),
            Err(AppError::Forbidden { .. })
        ));
    }

    #[test]
    fn a_racks_floor_is_its_places_each_occupied_or_empty() {
        let mut repo = MockWarehouseRepository::new();
        repo.expect_get_rack()
            .withf(|id| *id == RackId(1))
            .returning(|id| Ok(rack(id.0, "A")));
        repo.expect_rack_places()
            .withf(|id| *id == RackId(1))
            .times(1)
            .returning(|_| {
                Ok((0..6)
                    .map(|n| PlaceOccupancy {
                        place: eckwms_domain::Place {
                            id: eckwms_domain::PlaceId::new(100 + n).unwrap(),
                            warehouse_id: WarehouseId(2),
                            name: Name::new("name", format!("A-{n}")).unwrap(),
                            rack: None,
                            role: None,
                            meta: meta(),
                        },
                        occupied: n == 4,
                    })
                    .collect())
            });
        let floor = service(repo).rack_floor(&actor("read"), RackId(1)).unwrap();
        assert_eq!(floor.places.len(), 6);
        assert_eq!(floor.occupied(), 1);
        assert!(floor.places[4].occupied);
    }
}
