//! EC2 route tables: which subnets send traffic to an internet gateway. One paged
//! DescribeRouteTables per 200 VPCs, whatever the number of clusters.

use std::collections::BTreeSet;

use guardrails_core::RuleError;

use crate::ec2::Ec2Network;
use crate::xml::Element;

/// One route table, as the exposure check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTable {
    pub id: String,
    pub vpc: String,
    /// The VPC's main table: the one of every subnet without an explicit association.
    pub main: bool,
    /// Subnets explicitly associated with it.
    pub subnets: Vec<String>,
    /// The internet gateway a route sends traffic to (a blackhole route sends none).
    pub internet_gateway: Option<String>,
}

impl RouteTable {
    /// From an `<item>` of DescribeRouteTables' `routeTableSet`.
    pub(crate) fn from_xml(table: &Element) -> Self {
        let associations: Vec<&Element> = table.items("associationSet").collect();
        RouteTable {
            id: table
                .text_of("routeTableId")
                .unwrap_or_default()
                .to_string(),
            vpc: table.text_of("vpcId").unwrap_or_default().to_string(),
            main: associations
                .iter()
                .any(|a| a.text_of("main") == Some("true")),
            subnets: associations
                .iter()
                .filter_map(|a| a.text_of("subnetId").map(str::to_string))
                .collect(),
            internet_gateway: table
                .items("routeSet")
                .filter(|r| r.text_of("state") != Some("blackhole"))
                .find_map(|r| r.text_of("gatewayId").filter(|g| g.starts_with("igw-")))
                .map(str::to_string),
        }
    }
}

/// The route tables of some VPCs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routes(pub Vec<RouteTable>);

impl Routes {
    /// The table that routes `subnet` of `vpc`: its explicit association, else the VPC's main
    /// table.
    pub fn table_of(&self, vpc: &str, subnet: &str) -> Option<&RouteTable> {
        self.0
            .iter()
            .find(|t| t.subnets.iter().any(|s| s == subnet))
            .or_else(|| self.0.iter().find(|t| t.vpc == vpc && t.main))
    }
}

/// DescribeRouteTables accepts up to 100 results a page.
const PAGE_SIZE: i32 = 100;
/// VPC ids per `vpc-id` filter.
const VPCS_PER_CALL: usize = 200;

impl Ec2Network {
    /// The route tables of `vpcs`.
    pub async fn routes(&self, vpcs: &BTreeSet<String>) -> Result<Routes, RuleError> {
        let ids: Vec<&String> = vpcs.iter().collect();
        let mut tables = Vec::new();
        for chunk in ids.chunks(VPCS_PER_CALL) {
            let mut params = vec![
                ("MaxResults".to_string(), PAGE_SIZE.to_string()),
                ("Filter.1.Name".to_string(), "vpc-id".to_string()),
            ];
            params.extend(crate::ec2::numbered("Filter.1.Value", chunk));
            let items = self
                .all_items("DescribeRouteTables", "routeTableSet", params)
                .await?;
            tables.extend(items.iter().map(RouteTable::from_xml));
        }
        Ok(Routes(tables))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_take_their_own_table_or_the_main_one() {
        let xml = r#"<DescribeRouteTablesResponse><routeTableSet>
            <item><routeTableId>rtb-main</routeTableId><vpcId>vpc-1</vpcId>
              <associationSet><item><main>true</main></item></associationSet>
              <routeSet><item><gatewayId>local</gatewayId><state>active</state></item></routeSet></item>
            <item><routeTableId>rtb-public</routeTableId><vpcId>vpc-1</vpcId>
              <associationSet><item><main>false</main><subnetId>subnet-a</subnetId></item></associationSet>
              <routeSet><item><gatewayId>local</gatewayId></item>
                <item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><gatewayId>igw-9</gatewayId><state>active</state></item></routeSet></item>
            <item><routeTableId>rtb-dead</routeTableId><vpcId>vpc-1</vpcId>
              <associationSet><item><subnetId>subnet-c</subnetId></item></associationSet>
              <routeSet><item><gatewayId>igw-8</gatewayId><state>blackhole</state></item></routeSet></item>
            </routeTableSet></DescribeRouteTablesResponse>"#;
        let page = Element::parse(xml).unwrap();
        let routes = Routes(
            page.items("routeTableSet")
                .map(RouteTable::from_xml)
                .collect(),
        );
        let gateway = |subnet| {
            routes
                .table_of("vpc-1", subnet)
                .and_then(|t| t.internet_gateway.clone())
        };
        assert_eq!(gateway("subnet-a").as_deref(), Some("igw-9"));
        assert_eq!(routes.table_of("vpc-1", "subnet-b").unwrap().id, "rtb-main");
        assert_eq!(gateway("subnet-b"), None);
        assert_eq!(gateway("subnet-c"), None, "a blackhole route sends nothing");
        assert!(routes.table_of("vpc-2", "subnet-z").is_none());
    }
}
