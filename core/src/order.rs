//! The one dependency sort of the project: objects ordered so that each comes after
//! the objects it depends on (types after the types they use, views after the views they
//! read, ...).

use std::collections::HashSet;
use std::hash::Hash;

/// Orders `items` so that each comes after the items `deps` names that are in the list;
/// otherwise the given order is kept. Dependencies outside the list and on the item
/// itself are ignored; a cycle is broken where the given order first enters it.
/// Iterative, so a chain of any length is safe.
pub fn dependency_order<K, D>(items: &[K], deps: D) -> Vec<K>
where
    K: Copy + Eq + Hash,
    D: Fn(&K) -> Vec<K>,
{
    let present: HashSet<K> = items.iter().copied().collect();
    let mut entered: HashSet<K> = HashSet::with_capacity(items.len());
    let mut out = Vec::with_capacity(items.len());
    for &root in items {
        if !entered.insert(root) {
            continue;
        }
        // Each frame: an item and the dependencies it has yet to visit.
        let mut stack: Vec<(K, std::vec::IntoIter<K>)> = vec![(root, deps(&root).into_iter())];
        while let Some((item, pending)) = stack.last_mut() {
            let item = *item;
            match pending.find(|d| *d != item && present.contains(d) && !entered.contains(d)) {
                Some(dep) => {
                    entered.insert(dep);
                    stack.push((dep, deps(&dep).into_iter()));
                }
                None => {
                    stack.pop();
                    out.push(item);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_item_follows_its_dependencies_and_ties_keep_their_order() {
        let deps = |i: &u32| match i {
            1 => vec![3],
            3 => vec![4, 9],
            5 => vec![5],
            _ => vec![],
        };
        assert_eq!(dependency_order(&[1, 2, 3, 4, 5], deps), [4, 3, 1, 2, 5]);
    }

    #[test]
    fn cycles_are_broken_and_long_chains_do_not_overflow() {
        let cycle = |i: &u32| vec![(i + 1) % 3];
        assert_eq!(dependency_order(&[0, 1, 2], cycle), [2, 1, 0]);
        let items: Vec<u32> = (0..200_000).collect();
        let chain = |i: &u32| if *i == 0 { vec![] } else { vec![i - 1] };
        let reversed: Vec<u32> = items.iter().rev().copied().collect();
        assert_eq!(dependency_order(&reversed, chain), items);
    }
}
