use std::fmt;
use std::collections::{HashMap, HashSet};

/// A point.
#[derive(Debug)]
pub struct Point {
    x: i32,
}

pub enum Shape {
    Circle(f64),
}

/// Something with an area.
pub trait Area {
    fn area(&self) -> f64;
}

impl Point {
    /// Makes a point.
    pub fn new(x: i32) -> Self {
        Point { x }
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.x)
    }
}

mod inner {
    pub fn helper() {}
}

fn main() {}
